package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.traces.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The precision key and --precision of grpo, sft and distill: accepted values, refusals, what is recorded. */
class PrecisionCommandsTest {

    @TempDir
    Path tmp;

    private Path tinyModel(String name) {
        return CliRun.tinyModel(tmp.resolve(name));
    }

    private static final String GRPO = "grpo: {prompts_per_step: 2, group_size: 2, max_new_tokens: 6, learning_rate: 1.0e-2, "
            + "checkpoint_every: 1}\n";

    @Test
    void aLoraGrpoRunWithAnF16BaseRunsRecordsItsPrecisionAndResumes() throws Exception {
        Path base = tinyModel("base");
        Path cfg = tmp.resolve("grpo.yaml");
        Files.writeString(cfg, "task: mul2x2\nprecision: F16\nlora: {rank: 2}\n" + GRPO);
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--steps", "1", "--out",
                run.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("the frozen base stored in F16"), r.err());
        var config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("F16", config.get("precision").asText(), "recorded for --resume");
        CliRun more = CliRun.of("grpo", "--resume", run.toString(), "--steps", "2");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.err().contains("the frozen base stored in F16") && more.err().contains("step 1"), more.err());
        CliRun mixed = CliRun.of("grpo", "--resume", run.toString(), "--precision", "FP32");
        assertEquals(2, mixed.exit(), "a run keeps the precision it started with");
    }

    @Test
    void badValuesAreRefusedNamingFileLineAndField() throws Exception {
        Path base = tinyModel("base");
        Path cfg = tmp.resolve("grpo.yaml");
        Files.writeString(cfg, "task: mul2x2\n" + GRPO + "precision: BF16\n");
        CliRun bf16 = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--lora-rank", "2", "--out",
                tmp.resolve("a").toString());
        assertEquals(2, bf16.exit(), bf16.err());
        assertTrue(bf16.err().contains("grpo.yaml:3") && bf16.err().contains("precision") && bf16.err().contains("F16"),
                bf16.err());
        assertFalse(Files.exists(tmp.resolve("a/config.json")), "refused before any work");

        Files.writeString(cfg, "task: mul2x2\nprecision: half\n" + GRPO);
        CliRun unknown = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--out",
                tmp.resolve("b").toString());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("grpo.yaml:2") && unknown.err().contains("[FP32, F16, BF16]"), unknown.err());

        CliRun flag = CliRun.of("grpo", "--task", "mul2x2", "--model", base.toString(), "--precision", "BF16", "--out",
                tmp.resolve("c").toString());
        assertEquals(2, flag.exit());
        assertTrue(flag.err().contains("--precision BF16") && flag.err().contains("bfloat16"), flag.err());

        // Full fine-tuning without a KL reference freezes nothing: F16 is refused, naming what to do.
        Files.writeString(cfg, "task: mul2x2\nprecision: F16\n" + GRPO);
        CliRun nothingFrozen = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--out",
                tmp.resolve("d").toString());
        assertEquals(2, nothingFrozen.exit());
        assertTrue(nothingFrozen.err().contains("grpo.yaml:2") && nothingFrozen.err().contains("freezes none")
                && nothingFrozen.err().contains("--lora-rank"), nothingFrozen.err());
    }

    private Path traces(int n) throws Exception {
        Path traces = tmp.resolve("t.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(new Trace(i, "p" + i, "Question: " + i + "+1\nAnswer: ", "<answer>" + (i + 1) + "</answer>", 1, "t", "h",
                    1, 1, 16, 0, "now").toJson()).append('\n');
        }
        Files.writeString(traces, sb.toString());
        return traces;
    }

    @Test
    void sftRefusesF16WithoutLoraAndDistillStoresItsTeacherInF16() throws Exception {
        Path student = tinyModel("s");
        Path teacher = tinyModel("t");
        Path traces = traces(20);
        Path cfg = tmp.resolve("d.yaml");
        Files.writeString(cfg, "training: {batch_size: 2, sequence_length: 64, steps: 2, warmup_steps: 1, eval_every: 2}\n"
                + "precision: F16\n");
        CliRun sft = CliRun.of("sft", "--model", student.toString(), "--traces", traces.toString(), "--config", cfg.toString(),
                "--out", tmp.resolve("sft").toString());
        assertEquals(2, sft.exit());
        assertTrue(sft.err().contains("d.yaml:2") && sft.err().contains("freezes none"), sft.err());
        CliRun sftLora = CliRun.of("sft", "--model", student.toString(), "--traces", traces.toString(), "--config",
                cfg.toString(), "--lora-rank", "2", "--out", tmp.resolve("sft-lora").toString());
        assertEquals(0, sftLora.exit(), sftLora.err());
        assertTrue(sftLora.err().contains("the frozen base stored in F16"), sftLora.err());
        CliRun distill = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--traces",
                traces.toString(), "--config", cfg.toString(), "--out", tmp.resolve("distilled").toString());
        assertEquals(0, distill.exit(), distill.err());
        assertTrue(distill.err().contains("the teacher stored in F16"), distill.err());
        CliRun bf16 = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--traces",
                traces.toString(), "--precision", "BF16", "--out", tmp.resolve("never").toString());
        assertEquals(2, bf16.exit());
        assertTrue(bf16.err().contains("--precision BF16"), bf16.err());
    }
}
