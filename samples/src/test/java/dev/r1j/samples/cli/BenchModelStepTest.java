package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.samples.bench.CheckpointBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code r1j bench --model DIR}'s sections on a tiny model: every memory configuration runs in a JVM
 * of its own and reports its peak RSS and phase seconds, BF16 is reported as refused; decoding and the
 * per-engine rollout step report rates against the ceiling given. Slow: it starts seven JVMs that each
 * load the engine.
 */
@Tag("slow")
class BenchModelStepTest {

    @TempDir
    Path tmp;

    @Test
    void everyConfigurationReportsPeakMemoryAndPhasesAndBf16IsRefused() {
        Path dir = tmp.resolve("base");
        CliRun init = CliRun.of("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "2",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "1024");
        assertEquals(0, init.exit(), init.err());
        List<String> progress = new ArrayList<>();
        CheckpointBench bench = new CheckpointBench(progress::add);
        Map<String, Object> section = bench.steps(dir);
        assertEquals(4, section.get("prompts_per_step"));
        for (String name : List.of("full_fine_tuning", "lora_rank_16", "lora_rank_16_gradient_checkpointing",
                "lora_rank_16_f16_gradient_checkpointing")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(name);
            assertTrue(c.containsKey("peak_rss_mib"), name + ": " + c);
            assertTrue((long) c.get("peak_rss_mib") > 50, name + ": " + c);
            double step = (double) c.get("step_seconds");
            assertTrue(step > 0 && (double) c.get("generation_seconds") > 0 && (double) c.get("optimisation_seconds") > 0,
                    name + ": " + c);
            assertTrue((double) c.get("process_seconds") >= step, name + ": " + c);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> bf16 = (Map<String, Object>) section.get("lora_rank_16_bf16");
        assertTrue(String.valueOf(bf16.get("refused")).contains("BF16"), bf16.toString());
        assertEquals(5, progress.size(), progress.toString());
        List<String> rows = CheckpointBench.stepRows(section);
        assertTrue(rows.stream().anyMatch(r -> r.contains("lora rank 16 gradient checkpointing: peak RSS (MiB)")), rows.toString());
        assertTrue(rows.stream().anyMatch(r -> r.contains("lora rank 16 bf16") && r.endsWith("refused")), rows.toString());

        boolean bf16Units = dev.r1j.rl.model.MatmulPrecision.cpuHasBf16();
        Map<String, Object> decodeSection = bench.decode(dir, 100.0, bf16Units ? 400.0 : null);
        for (String engine : List.of("djl", "djl_bf16_products", "onnx_runtime_external_initializers", "onnx_runtime_graph_inputs")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> decode = (Map<String, Object>) decodeSection.get(engine);
            if (engine.equals("djl_bf16_products") && !bf16Units) {
                assertTrue(String.valueOf(decode.get("unavailable")).contains("bfloat16"), decode.toString());
                continue;
            }
            if (engine.equals("djl_bf16_products")) {
                assertEquals((double) decode.get("achieved_gflops") / 400.0, (double) decode.get("fraction_of_bf16_ceiling"),
                        0.001, decode.toString());
            }
            assertTrue((long) decode.get("generated_tokens") > 0, engine + ": " + decode);
            double share = (double) decode.get("fraction_of_fp32_ceiling");
            double rate = (double) decode.get("achieved_gflops");
            assertEquals(rate / 100.0, share, 0.001, engine + ": " + decode);
            assertEquals(engine.startsWith("onnx"), decode.containsKey("weight_hand_over_seconds"), engine + ": " + decode);
        }
        List<String> decodeRows = CheckpointBench.decodeRows(decodeSection);
        assertTrue(decodeRows.stream().anyMatch(r -> r.contains("onnx runtime external initializers: share of the fp32 ceiling")),
                decodeRows.toString());

        Map<String, Object> rollouts = bench.rolloutStep(dir, 100.0);
        for (String engine : List.of("djl", "onnx_runtime")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) rollouts.get(engine);
            assertTrue(c.containsKey("sampling_seconds"), engine + ": " + c);
            assertTrue((long) c.get("generated_tokens") > 0 && (long) c.get("trained_tokens") > 0, engine + ": " + c);
            assertTrue((double) c.get("optimisation_fraction_of_fp32_ceiling") > 0, engine + ": " + c);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> ort = (Map<String, Object>) rollouts.get("onnx_runtime");
        assertTrue(ort.get("rollout_kl") != null, "ONNX Runtime rollouts are corrected by default, so the mismatch is logged");
    }
}
