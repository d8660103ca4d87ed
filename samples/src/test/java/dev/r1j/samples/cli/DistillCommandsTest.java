package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillCommandsTest {

    @TempDir
    Path tmp;

    private Path tinyModel(String name) {
        return CliRun.tinyModel(tmp.resolve(name));
    }

    @Test
    void tracesRunsAndRecordsItsProgress() {
        Path teacher = tinyModel("teacher");
        Path out = tmp.resolve("traces.jsonl");
        CliRun r = CliRun.of("traces", "--model", teacher.toString(), "--task", "mul2x2", "--n", "6", "--samples", "2",
                "--max-new-tokens", "12", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("of 6 problems"), r.out());
        assertTrue(Files.exists(out) && Files.exists(TraceGenerator.stateFile(out)));
        CliRun bad = CliRun.of("traces", "--model", teacher.toString(), "--task", "division", "--out", out.toString());
        assertEquals(2, bad.exit());
    }

    @Test
    void sftTrainsAStudentOnTraces() throws Exception {
        Path student = tinyModel("student");
        Path traces = tmp.resolve("t.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sb.append(new Trace(i, "p" + i, "Question: " + i + "*2\nAnswer: ", "<answer>" + (2 * i) + "</answer>", 1, "t", "h",
                    1, 1, 16, 0, "now").toJson()).append('\n');
        }
        Files.writeString(traces, sb.toString());
        Path cfg = tmp.resolve("sft.yaml");
        Files.writeString(cfg, "training: {batch_size: 2, sequence_length: 64, steps: 4, warmup_steps: 1, eval_every: 2}\n");
        Path out = tmp.resolve("sft");
        CliRun r = CliRun.of("sft", "--model", student.toString(), "--traces", traces.toString(), "--config", cfg.toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("eval loss"), r.out());
        assertTrue(r.err().contains("sft: memory estimate: peak "), r.err());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            var p = cp.provenance().orElseThrow();
            assertTrue(p.command().startsWith("r1j sft"), p.command());
            assertEquals(Checkpoint.sha256(student), p.parentSha256());
            assertEquals("30", p.extra().get("traces_count"));
        }
        Files.writeString(cfg, "training: {stepz: 4}\n");
        CliRun bad = CliRun.of("sft", "--model", student.toString(), "--traces", traces.toString(), "--config", cfg.toString(),
                "--out", tmp.resolve("o").toString());
        assertTrue(Files.exists(out.resolve("run/ledger.json")), "SFT books its cost");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("training.stepz") && bad.err().contains("sft.yaml:1"), bad.err());
    }

    @Test
    void distillMovesAStudentTowardATeacherWithTheSameTokenizer() throws Exception {
        Path teacher = tinyModel("t");
        Path student = tinyModel("s");
        Path traces = tmp.resolve("t.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(new Trace(i, "p" + i, "Question: " + i + "+1\nAnswer: ", "<answer>" + (i + 1) + "</answer>", 1, "t", "h",
                    1, 1, 16, 0, "now").toJson()).append('\n');
        }
        Files.writeString(traces, sb.toString());
        Path cfg = tmp.resolve("d.yaml");
        Files.writeString(cfg, "training: {batch_size: 2, sequence_length: 64, steps: 3, warmup_steps: 1, eval_every: 3}\n");
        Path out = tmp.resolve("distilled");
        CliRun r = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--beta", "0",
                "--traces", traces.toString(), "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            var p = cp.provenance().orElseThrow();
            assertTrue(p.command().startsWith("r1j distill"), p.command());
            assertEquals(Checkpoint.sha256(teacher), p.extra().get("teacher_sha256"));
            assertEquals("0.0", p.extra().get("beta"));
        }
        Path other = tmp.resolve("other");
        assertEquals(0, CliRun.of("init", "--out", other.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--alphabet", "0123456789").exit());
        CliRun bad = CliRun.of("distill", "--teacher", other.toString(), "--model", student.toString(), "--traces",
                traces.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("share a tokenizer"), bad.err());
        assertEquals(2, CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--beta", "2",
                "--traces", traces.toString(), "--out", tmp.resolve("y").toString()).exit());

        // Top-k: the k most likely teacher tokens and the tail; k must be below the vocabulary.
        CliRun topK = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--teacher-top-k",
                "4", "--traces", traces.toString(), "--config", cfg.toString(), "--out", tmp.resolve("top4").toString());
        assertEquals(0, topK.exit(), topK.err());
        assertTrue(topK.err().contains("distill: memory estimate: peak ") && topK.err().contains("teacher "), topK.err());
        CliRun tooMany = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--teacher-top-k",
                "100000", "--traces", traces.toString(), "--out", tmp.resolve("top-big").toString());
        assertEquals(2, tooMany.exit());
        assertTrue(tooMany.err().contains("--teacher-top-k must be below the teacher's vocabulary"), tooMany.err());
        assertEquals(2, CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--teacher-top-k",
                "-1", "--traces", traces.toString(), "--out", tmp.resolve("top-neg").toString()).exit());

        // On-policy (GKD): every step on the student's own samples; their generation is booked in the ledger.
        Path onPolicy = tmp.resolve("gkd");
        CliRun gkd = CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--on-policy", "1",
                "--max-new-tokens", "8", "--traces", traces.toString(), "--config", cfg.toString(), "--out", onPolicy.toString());
        assertEquals(0, gkd.exit(), gkd.err());
        var ledger = dev.r1j.rl.run.CostLedger.read(onPolicy.resolve("run/ledger.json")).stages();
        assertTrue(ledger.get("generation").tokens() > 0, ledger.toString());
        assertTrue(ledger.get("teacher").flops() > 0, ledger.toString());
        assertEquals(2, CliRun.of("distill", "--teacher", teacher.toString(), "--model", student.toString(), "--on-policy",
                "1.5", "--traces", traces.toString(), "--out", tmp.resolve("z").toString()).exit());
    }
}
