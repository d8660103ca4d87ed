package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.grpo.AdvantageScaling;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.LossAggregation;
import dev.r1j.rl.grpo.PolicyLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoCommandTest {

    @TempDir
    Path tmp;

    private Path tinyModel() {
        Path dir = tmp.resolve("base");
        CliRun r = CliRun.of("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "128");
        assertEquals(0, r.exit(), r.err());
        return dir;
    }

    @Test
    void runsWritesTheRunDirectoryAndResumes() throws Exception {
        Path base = tinyModel();
        Path cfg = tmp.resolve("grpo.yaml");
        Files.writeString(cfg, "task: mul2x2\nreward: {format_weight: 0.1}\n"
                + "grpo: {prompts_per_step: 2, group_size: 2, max_new_tokens: 8, learning_rate: 1.0e-3, checkpoint_every: 1}\n");
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--steps", "2", "--out",
                run.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("grpo: memory estimate: peak ") && r.err().contains("KV cache"), r.err());
        for (String f : new String[] {"config.json", "metrics.jsonl", "samples.jsonl", "ledger.json", "report.html",
                "checkpoints/step-2/model.safetensors"}) {
            assertTrue(Files.exists(run.resolve(f)), f);
        }
        var config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("mul2x2", config.get("task").asText());
        assertEquals(2, config.get("grpo").get("steps").asInt(), "flags override the file");
        assertEquals(0.1, config.get("reward").get("format_weight").asDouble());
        assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("reward/format"), "components are logged");
        try (Checkpoint cp = Checkpoint.load(run.resolve("model"))) {
            var p = cp.provenance().orElseThrow();
            assertTrue(p.command().startsWith("r1j grpo --config "), "the command as typed: " + p.command());
            assertEquals(Checkpoint.sha256(base), p.parentSha256());
        }
        // The same --out again is refused; --resume continues the run with its own settings.
        CliRun again = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--out", run.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("--resume"), again.err());
        CliRun more = CliRun.of("grpo", "--resume", run.toString(), "--steps", "3");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.err().contains("resuming from") && more.err().contains("step 2"), more.err());
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        Path cfg = tmp.resolve("bad.yaml");
        Files.writeString(cfg, "model: x\ntask: arith\ngrpo: {group_sise: 4}\n");
        CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml") && r.err().contains("grpo.group_sise"), r.err());
        Files.writeString(cfg, "model: x\ntask: arith\ngrpo: {group_size: 1, loss_aggregation: TOKEN_MEAN}\n");
        r = CliRun.of("grpo", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("group_size must be >= 2"), r.err());
        Files.writeString(cfg, "model: x\ntask: arith\ngrpo: {loss_aggregation: MEDIAN}\n");
        r = CliRun.of("grpo", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("loss_aggregation") && r.err().contains("MEDIAN"), r.err());
        r = CliRun.of("grpo", "--model", "x", "--task", "division", "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("division") && r.err().contains("mulAxB"), r.err());
        r = CliRun.of("grpo", "--model", "x", "--task", "arith");
        assertTrue(r.err().contains("--out"), r.err());
    }

    @Test
    void aLearningRateWithoutAFloorStaysConstantAsTheBuilderDoes() throws Exception {
        Path cfg = tmp.resolve("lr.yaml");
        Files.writeString(cfg, "grpo: {learning_rate: 1.0e-6}\n");
        var grpo = GrpoCommand.read(cfg).grpo();
        assertEquals(1e-6, grpo.learningRate());
        assertEquals(1e-6, grpo.minLearningRate(), "no floor given: constant after warm-up, not a floor above the peak");
        Files.writeString(cfg, "grpo: {learning_rate: 2.0e-4, min_learning_rate: 2.0e-5}\n");
        assertEquals(2e-5, GrpoCommand.read(cfg).grpo().minLearningRate());
    }

    /**
     * Each ablation config in docs/ablation reads, and is the plain arm plus the one change its name
     * says (so an edit to one arm cannot silently change what the ablation compares).
     */
    @Test
    void everyAblationArmIsPlainGrpoWithItsOneChange() throws Exception {
        Path dir = ConfigurationReferenceTest.doc().getParent().resolve("ablation");
        GrpoConfig plain = GrpoCommand.read(dir.resolve("plain.yaml")).grpo();
        assertEquals(PolicyLoss.PPO_CLIP, plain.policyLoss());
        java.util.Map<String, GrpoConfig> expected = new java.util.LinkedHashMap<>();
        expected.put("plain", plain);
        expected.put("token-mean", plain.toBuilder().lossAggregation(LossAggregation.TOKEN_MEAN).build());
        expected.put("no-std", plain.toBuilder().advantageScaling(AdvantageScaling.NONE).build());
        expected.put("clip-higher", plain.toBuilder().epsilonHigh(0.28).build());
        expected.put("dynamic-sampling", plain.toBuilder().dynamicSampling(true).build());
        expected.put("gspo", plain.toBuilder().policyLoss(PolicyLoss.GSPO).epsilonLow(3e-4).epsilonHigh(4e-4).build());
        expected.put("cispo", plain.toBuilder().policyLoss(PolicyLoss.CISPO).epsilonLow(0.99).epsilonHigh(0.28).build());
        try (var files = Files.list(dir)) {
            assertEquals(expected.keySet().stream().map(n -> n + ".yaml").sorted().toList(),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "the ablation's arms");
        }
        for (var arm : expected.entrySet()) {
            GrpoCommand.RunSettings read = GrpoCommand.read(dir.resolve(arm.getKey() + ".yaml"));
            assertEquals("builtin:arith-teacher-base", read.model(), arm.getKey());
            assertEquals("arith", read.task(), arm.getKey());
            // reward_threads follows the machine; everything else must be the expected arm.
            assertEquals(arm.getValue().toBuilder().rewardThreads(1).build(),
                    read.grpo().toBuilder().rewardThreads(1).build(), arm.getKey());
        }
    }
}
