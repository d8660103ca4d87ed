package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.grpo.RolloutCorrection;
import dev.r1j.rl.grpo.RolloutEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rollout_engine}, {@code rollout_correction} and {@code rollout_is_cap} in a config file and a run. */
class GrpoRolloutEngineTest {

    @TempDir
    Path tmp;

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void theCorrectionFollowsTheEngineUnlessSet() throws Exception {
        var ort = GrpoCommand.read(write("a.yaml", "grpo:\n  rollout_engine: ONNX_RUNTIME\n")).grpo();
        assertEquals(RolloutEngine.ONNX_RUNTIME, ort.rolloutEngine());
        assertEquals(RolloutCorrection.TOKEN, ort.rolloutCorrection());
        assertEquals(2.0, ort.rolloutIsCap());
        var djl = GrpoCommand.read(write("b.yaml", "grpo:\n  steps: 3\n")).grpo();
        assertEquals(RolloutEngine.DJL, djl.rolloutEngine());
        assertEquals(RolloutCorrection.NONE, djl.rolloutCorrection());
        var set = GrpoCommand.read(write("c.yaml", "grpo:\n  rollout_engine: ONNX_RUNTIME\n  rollout_correction: SEQUENCE\n"
                + "  rollout_is_cap: 5\n")).grpo();
        assertEquals(RolloutCorrection.SEQUENCE, set.rolloutCorrection());
        assertEquals(5.0, set.rolloutIsCap());
    }

    @Test
    void badValuesNameTheFileLineAndField() throws Exception {
        Path cap = write("cap.yaml", "task: mul2x2\ngrpo:\n  steps: 3\n  rollout_is_cap: 0\n");
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoCommand.read(cap));
        assertTrue(e.getMessage().contains(cap.toString()) && e.getMessage().contains(":4")
                && e.getMessage().contains("grpo.rollout_is_cap") && e.getMessage().contains("must be a finite number > 0"),
                e.getMessage());
        Path engine = write("engine.yaml", "grpo:\n  rollout_engine: VLLM\n");
        e = assertThrows(BadInputException.class, () -> GrpoCommand.read(engine));
        assertTrue(e.getMessage().contains(engine.toString()) && e.getMessage().contains(":2")
                && e.getMessage().contains("grpo.rollout_engine") && e.getMessage().contains("VLLM"), e.getMessage());
        Path correction = write("corr.yaml", "grpo:\n  steps: 2\n  rollout_correction: tokens\n");
        e = assertThrows(BadInputException.class, () -> GrpoCommand.read(correction));
        assertTrue(e.getMessage().contains(":3") && e.getMessage().contains("grpo.rollout_correction"), e.getMessage());
    }

    @Test
    void aRunSamplesOnOnnxRuntimeAndReportsItsWeightCopy() throws Exception {
        Path base = tmp.resolve("base");
        CliRun init = CliRun.of("init", "--out", base.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "128");
        assertEquals(0, init.exit(), init.err());
        Path cfg = write("grpo.yaml", "task: mul2x2\n"
                + "grpo: {prompts_per_step: 2, group_size: 2, max_new_tokens: 6, checkpoint_every: 1, rollout_engine: ONNX_RUNTIME}\n");
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--model", base.toString(), "--steps", "2", "--out",
                run.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("rollouts on ONNX Runtime") && r.err().contains("costs")
                && r.err().contains("ONNX Runtime weight copy"), r.err());
        var config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("TOKEN", config.get("grpo").get("rollout_correction").asText(), "the resolved default is recorded");
        var last = new ObjectMapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(1));
        assertTrue(last.get("rollout_kl").isNumber() && last.get("rollout_capped_share").isNumber(), last.toString());
    }
}
