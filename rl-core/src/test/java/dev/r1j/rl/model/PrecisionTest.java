package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rl.grpo.KlEstimator;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Frozen weights stored in half precision: what it changes in the logits, the memory, the arrays. */
class PrecisionTest {

    private static TransformerConfig qwen(boolean tied) {
        return TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(41).hiddenSize(32).intermediateSize(48)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(32)
                .tieWordEmbeddings(tied).build();
    }

    /** Weights of std 0.15 (gains near 1), large enough that logits spread over several units. */
    private static CausalLm model(TransformerConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = DecoderWeights.hfShapes(c);
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = name.endsWith("norm.weight") ? (float) (1 + 0.2 * r.nextGaussian()) : (float) (0.15 * r.nextGaussian());
            }
            values.put(name, v);
        });
        return CausalLm.fromWeights(c, new DecoderWeights.MapWeights(values, shapes), "test");
    }

    private static final int[] PROBE = {3, 17, 5, 40, 0, 22, 9, 31};

    private static long engineBytes(CausalLm m) {
        long bytes = 0;
        for (NDArray p : m.parameters()) {
            bytes += p.size() * p.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    /**
     * Tolerance: round-to-nearest float16 changes each weight by at most 2^-11 of its value, so each
     * product's output moves by at most 2^-11 of the sum of |x_i w_i|, a few times 2^-11 of its own
     * size; the logits go through 2 layers x 4 projections plus the head (9 products in a row), so
     * their error stays within about 9 x 4 x 2^-11 = 1.8% of their spread. Seen here: about a tenth of
     * that. A model that was not converted would match exactly, which is checked too.
     */
    @Test
    void f16StoredWeightsGiveTheFp32LogitsWithinFloat16Rounding() {
        for (boolean tied : new boolean[] {true, false}) {
            try (CausalLm fp32 = model(qwen(tied), 5); CausalLm half = model(qwen(tied), 5)) {
                half.storeFrozenWeights(Precision.F16);
                assertEquals(Precision.F16, half.storedPrecision());
                float[][] a = fp32.logits(PROBE);
                float[][] b = half.logits(PROBE);
                double maxAbs = 0;
                double maxDiff = 0;
                for (int t = 0; t < a.length; t++) {
                    for (int v = 0; v < a[t].length; v++) {
                        maxAbs = Math.max(maxAbs, Math.abs(a[t][v]));
                        maxDiff = Math.max(maxDiff, Math.abs(a[t][v] - b[t][v]));
                    }
                }
                assertTrue(maxAbs > 1, "logits spread over units: " + maxAbs);
                assertTrue(maxDiff > 0, "the weights really are stored in float16");
                assertTrue(maxDiff <= 0.018 * maxAbs, "tied=" + tied + ": max |difference| " + maxDiff
                        + " against max |logit| " + maxAbs);
            }
        }
    }

    @Test
    void f16HalvesTheMatricesAndKeepsGainsAndBiasesFp32() {
        try (CausalLm fp32 = model(qwen(false), 5); CausalLm half = model(qwen(false), 5)) {
            half.storeFrozenWeights(Precision.F16);
            long matrices = 0;
            for (NDArray p : half.parameters()) {
                if (p.getShape().dimension() == 2) {
                    assertEquals(DataType.FLOAT16, p.getDataType(), p.getShape().toString());
                    matrices += p.size();
                } else {
                    assertEquals(DataType.FLOAT32, p.getDataType(), "gains and biases: " + p.getShape());
                }
            }
            assertEquals(engineBytes(fp32) - 2 * matrices, engineBytes(half), "2 bytes saved per matrix parameter");
            // Readers (checkpoint writers, exporters) still see float32 values: the float16 roundings.
            float[] w = fp32.hfWeights().read("model.layers.0.self_attn.q_proj.weight");
            float[] h = half.hfWeights().read("model.layers.0.self_attn.q_proj.weight");
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], h[i], Math.abs(w[i]) * 0x1p-11 + 1e-7, "element " + i);
            }
        }
    }

    @Test
    void upcastCopiesAreFreedWithTheStep() {
        try (CausalLm half = model(qwen(true), 5)) {
            half.storeFrozenWeights(Precision.F16);
            half.logits(PROBE);
            int arrays = half.manager().getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                half.logits(PROBE);
                try (NDManager step = half.manager().newSubManager()) {
                    boolean grad = Engines.gradMode(false);
                    try {
                        NDArray hidden = half.hidden(Engines.owned(step.create(PROBE, new Shape(1, PROBE.length))),
                                new long[] {0, 1, 2, 3, 4, 5, 6, 7}, new float[] {1, 1, 1, 1, 1, 1, 1, 1}, null);
                        half.tokenLogProbs(hidden, Engines.owned(step.create(PROBE)), 3);
                    } finally {
                        Engines.gradMode(grad);
                    }
                }
            }
            assertEquals(arrays, half.manager().getManagedArrays().size(), "no float32 copies left in the weights' manager");
        }
    }

    /** A float16 reference's log-probs against the float32 one's: the KL penalty barely moves. */
    @Test
    void anF16ReferenceGivesAKlCloseToTheFp32One() {
        try (CausalLm policy = model(qwen(false), 8); CausalLm ref32 = policy.copy(); CausalLm ref16 = policy.copy(Precision.F16)) {
            assertEquals(Precision.FP32, policy.storedPrecision(), "copying in F16 leaves the policy as it was");
            assertEquals(Precision.F16, ref16.storedPrecision());
            float[] lp = logProbsOfNext(policy);
            float[] lp32 = logProbsOfNext(ref32);
            float[] lp16 = logProbsOfNext(ref16);
            double k3exact = 0;
            double k3half = 0;
            for (int i = 0; i < lp.length; i++) {
                assertEquals(lp[i], lp32[i], 0f, "an FP32 copy is exact");
                k3exact += KlEstimator.K3.value(lp[i], lp32[i]);
                k3half += KlEstimator.K3.value(lp[i], lp16[i]);
                assertEquals(lp32[i], lp16[i], 0.02, "log-prob " + i);
            }
            assertEquals(0, k3exact, 0);
            // K3 is second order in the log-prob difference: 0.02^2 / 2 = 2e-4 a token at most.
            assertTrue(k3half / lp.length < 2e-4, "mean K3 " + k3half / lp.length);
        }
    }

    private static float[] logProbsOfNext(CausalLm m) {
        float[][] logits = m.logits(PROBE);
        float[] out = new float[PROBE.length - 1];
        for (int t = 0; t + 1 < PROBE.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits[t]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : logits[t]) {
                sum += Math.exp(v - max);
            }
            out[t] = (float) (logits[t][PROBE[t + 1]] - max - Math.log(sum));
        }
        return out;
    }

    @Test
    void bf16IsRefusedBeforeAnyArrayIsTouched() {
        try (CausalLm m = model(qwen(true), 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.storeFrozenWeights(Precision.BF16));
            assertTrue(e.getMessage().contains("F16"), "names what works: " + e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.copy(Precision.BF16));
            assertEquals(Precision.FP32, m.storedPrecision());
            assertTrue(Precision.BF16.unsupportedReason().isPresent());
            assertTrue(Precision.F16.unsupportedReason().isEmpty() && Precision.FP32.unsupportedReason().isEmpty());
        }
    }
}
