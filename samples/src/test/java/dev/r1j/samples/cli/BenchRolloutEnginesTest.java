package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.onnx.OrtRolloutGenerator;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.samples.bench.GrpoBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code r1j bench}'s rollout-engine sections on the bench model: every engine and weight feed reports
 * its phases, ONNX Runtime's log-probs agree with the trainer's, and the copy is the documented size.
 * Slow: nine GRPO steps and six rounds of rollouts.
 */
@Tag("slow")
class BenchRolloutEnginesTest {

    @Test
    void everyEngineReportsItsPhasesAndTheCopyItHolds() {
        List<String> progress = new ArrayList<>();
        GrpoBench bench = new GrpoBench(true, progress::add);
        Map<String, Object> engines = bench.rolloutEngines();
        long copy = OrtRolloutGenerator.weightBytes(TransformerConfig.read(
                BuiltinModels.resolve(GrpoBench.MODEL).resolve("config.json")));
        for (String key : List.of("djl", "onnx_runtime_graph_inputs", "onnx_runtime_external_initializers")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) engines.get(key);
            assertTrue((double) c.get("sampling_seconds") > 0 && (double) c.get("optimisation_seconds") > 0, key + ": " + c);
            if (key.equals("djl")) {
                assertEquals("NONE", c.get("correction"));
                assertEquals(null, c.get("rollout_kl"), "no correction, no figure");
            } else {
                assertEquals("TOKEN", c.get("correction"));
                assertEquals(copy, c.get("weight_copy_bytes"), key);
                assertTrue((double) c.get("rollout_kl") < 1e-8, key + ": " + c);
            }
        }
        assertTrue(GrpoBench.rolloutRows(engines).stream().anyMatch(r -> r.contains("onnx runtime graph inputs: sampling s")));
        Map<String, Object> feeds = bench.rolloutFeeds();
        assertEquals(copy, feeds.get("weight_copy_bytes"));
        assertTrue(GrpoBench.feedRows(feeds).stream().anyMatch(r -> r.contains("external initializers: hand-over s")));
        assertEquals(4, progress.size(), progress.toString());
    }
}
