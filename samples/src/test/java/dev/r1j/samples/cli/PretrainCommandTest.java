package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainCommandTest {

    @TempDir
    Path tmp;

    static final String TINY = "model: {hidden: 32, intermediate: 64, layers: 1, heads: 2, kv_heads: 1, max_positions: 64}\n"
            + "corpus: {tasks: {mul2x2: 40, expr3-4: 40, countdown4: 20}, think_share: 0.25, eval_problems: 9}\n"
            + "training: {batch_size: 4, sequence_length: 64, steps: 6, warmup_steps: 1, eval_every: 3, checkpoint_every: 3}\n";

    @Test
    void trainsALoadableModelWithProvenanceAndResumes() throws Exception {
        Path cfg = tmp.resolve("pt.yaml");
        Files.writeString(cfg, TINY);
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            assertEquals(1, cp.tokenizer().encode("<think>").length);
            String command = cp.provenance().orElseThrow().command();
            assertTrue(command.startsWith("r1j pretrain --config "), "the command as typed: " + command);
            assertEquals("6", cp.provenance().orElseThrow().extra().get("steps"));
        }
        var metrics = Files.readAllLines(out.resolve("run/metrics.jsonl"));
        assertTrue(metrics.get(metrics.size() - 1).contains("\"step\":6"), metrics.toString());
        assertTrue(metrics.stream().anyMatch(l -> l.contains("eval_loss")), "evaluation loss is logged");
        // Asking for more steps continues the same run from its last checkpoint.
        CliRun more = CliRun.of("pretrain", "--config", cfg.toString(), "--out", out.toString(), "--steps", "9");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.err().contains("resuming from") && more.err().contains("step 6"), more.err());
        byte[] png = Files.readAllBytes(out.resolve("run/loss.png"));
        assertEquals((byte) 0x89, png[0], "a PNG loss curve is written");
        assertEquals('P', png[1]);
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        Path cfg = tmp.resolve("bad.json");
        Files.writeString(cfg, "{\"training\": {\"stepz\": 3}}");
        CliRun r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.json") && r.err().contains("training.stepz"), r.err());
        Path yaml = tmp.resolve("bad.yaml");
        Files.writeString(yaml, "model:\n  hidden: 32\ntraining:\n  steps: 5\n  stepz: 3\n");
        r = CliRun.of("pretrain", "--config", yaml.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("bad.yaml:5") && r.err().contains("training.stepz"), "file, line and field: " + r.err());
        Files.writeString(cfg, "{\"model\": {\"hidden\": \"big\"}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("model.hidden") && r.err().contains("integer"), r.err());
        Files.writeString(cfg, "{\"model\": {\"max_positions\": 32}, \"training\": {\"sequence_length\": 64}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("training.sequence_length"), r.err());
        Files.writeString(cfg, "{\"corpus\": {\"tasks\": {\"mul2x2\": 10, \"division\": 5}}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("corpus.tasks.division") && r.err().contains("mulAxB"), r.err());
        Files.writeString(cfg, "{\"corpus\": {\"tasks\": {\"mul2x2\": -1}}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("corpus.tasks.mul2x2") && r.err().contains("non-negative"), r.err());
    }
}
