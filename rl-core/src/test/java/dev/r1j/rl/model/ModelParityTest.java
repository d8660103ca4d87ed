package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The engine forward pass against an independent naive implementation of the same math. */
class ModelParityTest {

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("qwen2 GQA tied", TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(37)
                        .hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(2).tieWordEmbeddings(true).ropeTheta(10000).build()),
                Arguments.of("qwen2 GQA untied", TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(50)
                        .hiddenSize(48).intermediateSize(64).numHiddenLayers(3).numAttentionHeads(6)
                        .numKeyValueHeads(2).tieWordEmbeddings(false).ropeTheta(1_000_000).rmsNormEps(1e-5).build()),
                Arguments.of("llama MHA with biases", TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(41)
                        .hiddenSize(32).intermediateSize(40).numHiddenLayers(2).numAttentionHeads(2)
                        .attentionBias(true).mlpBias(true).build()),
                Arguments.of("llama MQA explicit head_dim", TransformerConfig.builder().family(ModelFamily.LLAMA)
                        .vocabSize(30).hiddenSize(24).intermediateSize(32).numHiddenLayers(1).numAttentionHeads(4)
                        .numKeyValueHeads(1).headDim(10).build()));
    }

    /** Random weights with non-trivial biases and norm gains (initialisation leaves those at 0 and 1). */
    static CausalLm randomModel(TransformerConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, long[]> shapes = dev.r1j.rl.model.internal.DecoderWeights.hfShapes(c);
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = name.endsWith("norm.weight") ? (float) (1 + 0.2 * r.nextGaussian()) : (float) (0.15 * r.nextGaussian());
            }
            values.put(name, v);
        });
        return CausalLm.fromWeights(c, new dev.r1j.rl.model.internal.DecoderWeights.MapWeights(values, shapes), "test");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void forwardMatchesNaiveReference(String name, TransformerConfig config) {
        try (CausalLm model = randomModel(config, 42)) {
            NaiveDecoder naive = new NaiveDecoder(config, model.hfTensors());
            int[] ids = new Random(7).ints(13, 0, config.vocabSize()).toArray();
            float[][] actual = model.logits(ids);
            double[][] expected = naive.logits(ids);
            double maxDiff = 0;
            for (int i = 0; i < ids.length; i++) {
                for (int v = 0; v < config.vocabSize(); v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[i][v] - expected[i][v]));
                }
            }
            assertTrue(maxDiff < 1e-4, name + ": max abs diff " + maxDiff);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void kvCacheDecodingEqualsFullForward(String name, TransformerConfig config) {
        try (CausalLm model = randomModel(config, 3); NDManager m = model.manager().newSubManager()) {
            Engines.gradMode(false);
            int[] ids = new Random(11).ints(9, 0, config.vocabSize()).toArray();
            float[][] full = model.logits(ids);
            KvCache cache = model.newCache(m, 1, ids.length);
            // Prefill 4 tokens, then one token at a time.
            int prefill = 4;
            float[] keep = new float[ids.length];
            java.util.Arrays.fill(keep, 1f);
            NDArray first = model.forward(m.create(java.util.Arrays.copyOf(ids, prefill), new Shape(1, prefill)),
                    new long[] {0, 1, 2, 3}, java.util.Arrays.copyOf(keep, prefill), cache);
            float[] firstFlat = first.toFloatArray();
            for (int v = 0; v < config.vocabSize(); v++) {
                assertEquals(full[prefill - 1][v], firstFlat[(prefill - 1) * config.vocabSize() + v], 1e-4);
            }
            for (int i = prefill; i < ids.length; i++) {
                NDArray step = model.forward(m.create(new int[] {ids[i]}, new Shape(1, 1)), new long[] {i},
                        java.util.Arrays.copyOf(keep, i + 1), cache);
                float[] flat = step.toFloatArray();
                for (int v = 0; v < config.vocabSize(); v++) {
                    assertEquals(full[i][v], flat[v], 1e-4, name + " position " + i);
                }
            }
            assertEquals(ids.length, cache.length());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void leftPaddedBatchEqualsOneByOne(String name, TransformerConfig config) {
        try (CausalLm model = randomModel(config, 5); NDManager m = model.manager().newSubManager()) {
            Engines.gradMode(false);
            Random r = new Random(1);
            int[][] prompts = {r.ints(3, 0, config.vocabSize()).toArray(), r.ints(7, 0, config.vocabSize()).toArray(),
                r.ints(5, 0, config.vocabSize()).toArray()};
            int t = 7;
            int b = prompts.length;
            int[] ids = new int[b * t];
            long[] pos = new long[b * t];
            float[] keep = new float[b * t];
            for (int row = 0; row < b; row++) {
                int pad = t - prompts[row].length;
                for (int j = 0; j < t; j++) {
                    ids[row * t + j] = j < pad ? 0 : prompts[row][j - pad];
                    pos[row * t + j] = Math.max(0, j - pad);
                    keep[row * t + j] = j < pad ? 0f : 1f;
                }
            }
            float[] batched = model.forward(m.create(ids, new Shape(b, t)), pos, keep, null).toFloatArray();
            int vocab = config.vocabSize();
            for (int row = 0; row < b; row++) {
                float[][] alone = model.logits(prompts[row]);
                int pad = t - prompts[row].length;
                for (int j = 0; j < prompts[row].length; j++) {
                    for (int v = 0; v < vocab; v++) {
                        assertEquals(alone[j][v], batched[(row * t + pad + j) * vocab + v], 1e-4,
                                name + " row " + row + " position " + j);
                    }
                }
            }
        }
    }
}
