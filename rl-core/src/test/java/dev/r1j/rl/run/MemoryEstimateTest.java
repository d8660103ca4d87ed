package dev.r1j.rl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.train.SupervisedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The estimate's arithmetic against figures worked out by hand for Qwen2.5-0.5B's shape. */
class MemoryEstimateTest {

    @TempDir
    Path tmp;

    /** Qwen2.5-0.5B's config.json: 494,032,768 parameters with the tied head. */
    private static final TransformerConfig QWEN_05B = TransformerConfig.builder().vocabSize(151936).hiddenSize(896)
            .intermediateSize(4864).numHiddenLayers(24).numAttentionHeads(14).numKeyValueHeads(2)
            .maxPositionEmbeddings(32768).tieWordEmbeddings(true).build();

    @Test
    void grpoOnTheHalfBillionShape() {
        // embedding 151936 x 896 = 136,134,656; a layer: 896 x 1152 + 1152 (q/k/v and bias) + 896 x 896 (o)
        // + 3 x 896 x 4864 (MLP) + 2 x 896 (norms) = 14,912,384; x 24 = 357,897,216; + 896 (final norm).
        assertEquals(494_032_768L, QWEN_05B.parameterCount());
        long p = 494_032_768L;
        GrpoConfig grpo = GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(64).microBatchSize(2).build();
        MemoryEstimate e = MemoryEstimate.grpo(QWEN_05B, grpo, 100);
        assertEquals(4 * p, e.bytes("weights"));
        assertEquals(4 * p, e.bytes("gradients"));
        assertEquals(8 * p, e.bytes("AdamW moments"));
        assertEquals(0, e.bytes("reference model"), "beta 0: no reference");
        // 24 layers x 2 x 2 kv heads x 64 x 4 bytes = 24,576 bytes a position; 16 rows x 164 positions.
        assertEquals(24_576L * 16 * 164, e.bytes("KV cache"));
        assertEquals(64_487_424L, e.bytes("KV cache"));
        // Per token and layer at S = 164: 10 x 896 + 2 x 18 x 64 + 4 x 16 x 64 + 2 x 14 x 64 + 3 x 14 x 164
        // + 5 x 4864 = 8960 + 2304 + 4096 + 1792 + 6888 + 24320 = 48,360 floats.
        assertEquals(48_360L, MemoryEstimate.activationFloatsPerToken(QWEN_05B, 164));
        // x 24 layers x 2 rows x 164 positions x 4 bytes.
        assertEquals(1_522_759_680L, e.bytes("activations"));
        // min(1024, 2 x 64) = 128 positions x 151,936 x 4 bytes x 4 arrays.
        assertEquals(311_164_928L, e.bytes("output head"));
        // A checkpoint streams through one buffer: the heap holds a chunk, not the model.
        assertEquals(4L << 20, e.heapBytes());
        // Peak: 16 p always + the largest phase (optimisation, 1.52 GB + 311 MB).
        assertEquals(16 * p + 1_522_759_680L + 311_164_928L, e.peakBytes());
        assertTrue(e.line().startsWith("memory estimate: peak 9.7 GB; always weights 2.0 GB, gradients 2.0 GB, "
                + "AdamW moments 4.0 GB; generation KV cache 64 MB; optimisation activations 1.5 GB, output head 311 MB; "
                + "checkpoint stream buffer "), e.line());

        // LoRA: gradients and moments for the adapter only, the base and the adapter as weights, and no
        // reference copy even with a KL term (the base with adapters off is the reference).
        long adapter = 8_798_208L;
        MemoryEstimate lora = MemoryEstimate.grpo(QWEN_05B, adapter, grpo.toBuilder().beta(0.04).build(), 100);
        assertEquals(4 * (p + adapter), lora.bytes("weights"));
        assertEquals(4 * adapter, lora.bytes("gradients"));
        assertEquals(8 * adapter, lora.bytes("AdamW moments"));
        assertEquals(0, lora.bytes("reference model"));
        assertEquals(4 * p + 16 * adapter + 1_522_759_680L + 311_164_928L, lora.peakBytes());

        MemoryEstimate withKl = MemoryEstimate.grpo(QWEN_05B, grpo.toBuilder().beta(0.04).build(), 100);
        assertEquals(4 * p, withKl.bytes("reference model"));
        assertEquals(e.peakBytes() + 4 * p, withKl.peakBytes());
        // A large chunk is bounded by the micro-batch's completion positions; a small one by itself.
        assertEquals(311_164_928L, MemoryEstimate.grpo(QWEN_05B, grpo.toBuilder().logitsChunk(100_000).build(), 100)
                .bytes("output head"));
        assertEquals(4L * 16 * 151_936 * 4, MemoryEstimate.grpo(QWEN_05B, grpo.toBuilder().logitsChunk(16).build(), 100)
                .bytes("output head"));
    }

    @Test
    void anAdapterLargerThanATinyBaseIsCountedAsAnAdapter() {
        // Rank 16 on a 32-wide, 2-layer model: the adapter outnumbers the base, and is still an adapter
        // (the base frozen beside it), not full fine-tuning and not an error.
        TransformerConfig tiny = TransformerConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64)
                .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).build();
        long base = tiny.parameterCount();
        long adapter = base + 3000;
        GrpoConfig grpo = GrpoConfig.builder().promptsPerStep(2).groupSize(2).maxNewTokens(8).build();
        MemoryEstimate e = MemoryEstimate.grpo(tiny, adapter, grpo, 16);
        assertEquals(4 * (base + adapter), e.bytes("weights"));
        assertEquals(4 * adapter, e.bytes("gradients"));
        assertEquals(8 * adapter, e.bytes("AdamW moments"));
    }

    @Test
    void theMeasuredRuntimeIsAlwaysHeld() {
        GrpoConfig grpo = GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(64).microBatchSize(2).build();
        MemoryEstimate e = MemoryEstimate.grpo(QWEN_05B, grpo, 200);
        MemoryEstimate withRuntime = e.withRuntime(1_100_000_000L);
        assertEquals(e.peakBytes() + 1_100_000_000L, withRuntime.peakBytes());
        assertEquals(1_100_000_000L, withRuntime.bytes(MemoryEstimate.RUNTIME));
        assertTrue(withRuntime.line().contains("runtime 1.1 GB"), withRuntime.line());
        assertEquals(0, e.withRuntime(-5).bytes(MemoryEstimate.RUNTIME), "a negative measurement is no runtime");
    }

    @Test
    void supervisedAndDistillation() {
        long p = 494_032_768L;
        SupervisedConfig sft = SupervisedConfig.builder().batchSize(2).sequenceLength(128).logitsChunk(64).build();
        MemoryEstimate e = MemoryEstimate.supervised(QWEN_05B, sft, null, 0);
        assertEquals(16 * p, e.bytes(MemoryEstimate.Phase.ALWAYS));
        assertEquals(MemoryEstimate.activationFloatsPerToken(QWEN_05B, 128) * 24 * 2 * 128 * 4, e.bytes("activations"));
        assertEquals(4L * 64 * 151_936 * 4, e.bytes("output head"));
        // Distilling from itself with whole distributions: the teacher's weights, its forward pass and
        // hidden states (256 positions x 896 x 4 bytes), and its head chunk beside the student's.
        MemoryEstimate kd = MemoryEstimate.supervised(QWEN_05B, sft, QWEN_05B, 0);
        assertEquals(4 * p, kd.bytes("teacher"));
        assertEquals(e.bytes("activations") + 256L * 896 * 4, kd.bytes("teacher activations"));
        assertEquals(2 * e.bytes("output head"), kd.bytes("output head"));
        // Top-64: 65 log-probs (4 bytes) and 64 ids (8 bytes) a position instead of the hidden state.
        MemoryEstimate top = MemoryEstimate.supervised(QWEN_05B, sft, QWEN_05B, 64);
        assertEquals(e.bytes("activations") + 256L * (65 * 4 + 64 * 8), top.bytes("teacher activations"));
        assertEquals(e.bytes("output head"), top.bytes("output head"));
    }

    @Test
    void gradientCheckpointingKeepsEachLayersInputAndOneLayersIntermediates() {
        GrpoConfig grpo = GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(64).microBatchSize(2)
                .gradientCheckpointing(true).build();
        // (48,360 floats of one layer + 896 x 24 layers' inputs) x 2 rows x 164 positions x 4 bytes.
        assertEquals(91_661_568L, MemoryEstimate.grpo(QWEN_05B, grpo, 100).bytes("activations"));
        SupervisedConfig sft = SupervisedConfig.builder().batchSize(2).sequenceLength(164).build();
        assertEquals(1_522_759_680L, MemoryEstimate.supervised(QWEN_05B, sft, null, 0).bytes("activations"));
        assertEquals(91_661_568L, MemoryEstimate.supervised(QWEN_05B, sft.withGradientCheckpointing(true), null, 0)
                .bytes("activations"));
    }

    @Test
    void warningsNameTheSettingsToChange() throws Exception {
        GrpoConfig grpo = GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(64).microBatchSize(2).beta(0.04)
                .build();
        MemoryEstimate e = MemoryEstimate.grpo(QWEN_05B, grpo, 100);
        assertEquals(List.of(), e.warnings(new MachineMemory(64_000_000_000L, 60_000_000_000L, 16L << 30)));
        List<String> w = e.warnings(new MachineMemory(24_000_000_000L, 10_000_000_000L, 4L << 30));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("the run needs about 11.7 GB at its peak but 10.0 GB of 24.0 GB is available"), w.get(0));
        assertTrue(w.get(0).contains("lower beta to 0 (no reference model: 2.0 GB), micro_batch_size, or turn on gradient_checkpointing (activations 1.5 GB), "
                + "logits_chunk (output head 311 MB), prompts_per_step, group_size, max_new_tokens (KV cache 64 MB)"), w.get(0));
        // The checkpoint's stream buffer is far below any heap limit; a heap smaller than it is still named.
        List<String> tiny = e.warnings(new MachineMemory(64_000_000_000L, 60_000_000_000L, 1L << 20));
        assertEquals(1, tiny.size(), tiny.toString());
        assertTrue(tiny.get(0).contains("streams through 4 MB of the Java heap, whose limit is 1 MB"), tiny.get(0));
        assertEquals(List.of(), e.warnings(new MachineMemory(-1, -1, 16L << 30)), "unknown machine: nothing to compare");
    }

    @Test
    void onnxRuntimeRolloutsAddAWeightCopyAndItsWarningNamesTheEngineSetting() {
        long p = 494_032_768L;
        GrpoConfig djl = GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(64).microBatchSize(2).build();
        GrpoConfig ort = djl.toBuilder().rolloutEngine(dev.r1j.rl.grpo.RolloutEngine.ONNX_RUNTIME).build();
        MemoryEstimate without = MemoryEstimate.grpo(QWEN_05B, djl, 100);
        MemoryEstimate with = MemoryEstimate.grpo(QWEN_05B, ort, 100);
        assertEquals(0, without.bytes(MemoryEstimate.ROLLOUT_COPY));
        assertEquals(4 * p, with.bytes(MemoryEstimate.ROLLOUT_COPY));
        assertEquals(without.peakBytes() + 4 * p, with.peakBytes(), "held all run");
        assertTrue(with.line().contains("ONNX Runtime weight copy 2.0 GB"), with.line());
        List<String> w = with.warnings(new MachineMemory(24_000_000_000L, 10_000_000_000L, 4L << 30));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("rollout_engine to DJL (no ONNX Runtime weight copy: 2.0 GB)"), w.get(0));
        assertTrue(w.get(0).contains("the 7.9 GB of fp32 weights"), w.get(0));
    }

    @Test
    void meminfoIsRead() throws Exception {
        Path f = tmp.resolve("meminfo");
        Files.writeString(f, "MemTotal:       24570452 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n");
        assertEquals(new MachineMemory(24_570_452L * 1024, 20_000_000L * 1024, 7), MachineMemory.fromMeminfo(f, 7));
        assertEquals(new MachineMemory(-1, -1, 7), MachineMemory.fromMeminfo(tmp.resolve("absent"), 7));
    }
}
