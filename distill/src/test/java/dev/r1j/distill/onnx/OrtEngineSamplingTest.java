package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import dev.r1j.distill.onnx.internal.DecoderGraph;
import dev.r1j.distill.onnx.internal.OrtDecoder;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The rollout graph's own sampler against the DJL engine's sampler on the very same ONNX Runtime
 * logits: one loop lets ONNX Runtime draw, the other copies the logits out and samples with the
 * sampler the DJL engine uses. With the same seeds they must pick the same tokens with the same
 * log-probs, on a vocabulary of one block, of several blocks (3,000 = 3 x 1,000) and of a prime size
 * (2,003, one block of the whole row), untruncated and with top-k, top-p and min-p, alone and together.
 * On the larger vocabularies the truncating settings include some whose kept prefix ends inside the
 * graph's 1,024 candidates and some whose prefix runs past them (top-k of half the vocabulary, top-p
 * 0.95, min-p 0.005 on these nearly flat distributions), so both of its sorts are taken.
 */
class OrtEngineSamplingTest {

    private static final int PAD = 0;
    private static final List<int[]> PROMPTS = List.of(new int[] {3, 4, 5}, new int[] {6, 7}, new int[] {3, 4, 5}, new int[] {8});

    private static TransformerConfig config(int vocab) {
        return TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(vocab).hiddenSize(16).intermediateSize(40)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(48)
                .eosTokenId(-1).padTokenId(PAD).build();
    }

    /**
     * {@code backend} seen through the loop's interface, counting the steps whose picks the engine
     * made; with {@code engineSamples} false its sampler is hidden, so every step's logits come back to
     * the host to be sampled there.
     */
    private static final class Observed implements DecodingLoop.Backend {
        private final DecodingLoop.Backend backend;
        private final boolean engineSamples;
        int engineSteps;

        Observed(DecodingLoop.Backend backend, boolean engineSamples) {
            this.backend = backend;
            this.engineSamples = engineSamples;
        }

        @Override
        public int vocabSize() {
            return backend.vocabSize();
        }

        @Override
        public DecodingLoop.Batch open(int batchSize, int capacity) {
            DecodingLoop.Batch inner = backend.open(batchSize, capacity);
            return new DecodingLoop.Batch() {
                @Override
                public float[] forward(int[] ids, int t, long[] positions, float[] keep) {
                    return inner.forward(ids, t, positions, keep);
                }

                @Override
                public boolean samplesOnEngine() {
                    return engineSamples && inner.samplesOnEngine();
                }

                @Override
                public boolean truncatesOnEngine() {
                    return engineSamples && inner.truncatesOnEngine();
                }

                @Override
                public dev.r1j.rl.generate.SampledTokens forwardAndSample(int[] ids, int t, long[] positions, float[] keep,
                                                                          long[] rows, double[] uniforms, SamplingParams params) {
                    engineSteps++;
                    return inner.forwardAndSample(ids, t, positions, keep, rows, uniforms, params);
                }

                @Override
                public void retainRows(long[] rows) {
                    inner.retainRows(rows);
                }

                @Override
                public void close() {
                    inner.close();
                }
            };
        }
    }

    private static List<Completion> run(DecodingLoop.Backend backend, SamplingParams params) {
        DecodingLoop loop = new DecodingLoop(backend, List.of(), PAD, ids -> "");
        long[] keys = IntStream.range(0, PROMPTS.size()).mapToLong(i -> i).toArray();
        int[] promptIndex = IntStream.range(0, PROMPTS.size()).toArray();
        return loop.run(PROMPTS, keys, promptIndex, params);
    }

    private static void assertSamePicks(List<Completion> expected, List<Completion> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).tokenIds(), actual.get(i).tokenIds(), what + ": tokens of row " + i);
            assertArrayEquals(expected.get(i).logProbs(), actual.get(i).logProbs(), 1e-5f, what + ": log-probs of row " + i);
        }
    }

    /** The rollout graph of a spread model with {@code vocab} tokens, on ONNX Runtime. */
    private static void withRolloutDecoder(int vocab, Consumer<OrtDecoder> test) throws Exception {
        try (CausalLm model = OnnxParityTest.spreadModel(config(vocab), 11)) {
            DecoderGraph.Rollout rollout = DecoderGraph.rollout(model.config(), model.mergedHfWeights(),
                    WeightFeed.EXTERNAL_INITIALIZERS, Provenance.currentLibraryVersion());
            Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
            List<OnnxTensor> owned = new ArrayList<>();
            try {
                for (var e : rollout.weights().entrySet()) {
                    OnnxTensor t = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), e.getValue(),
                            rollout.shapes().get(e.getKey()));
                    tensors.put(e.getKey(), t);
                    owned.add(t);
                }
                try (OrtDecoder decoder = OrtDecoder.inMemory("rollout", rollout.model(), tensors, Map.of(), 1)) {
                    assertTrue(decoder.samplesOnEngine(), "the rollout graph ends in the sampling nodes");
                    test.accept(decoder);
                }
            } finally {
                owned.forEach(OnnxTensor::close);
            }
        }
    }

    /** Both loops under {@code params}: the same picks, every step's made by the graph in one and by none in the other. */
    private static List<Completion> assertGraphDrawsAsTheDjlSampler(OrtDecoder decoder, SamplingParams params, String what) {
        Observed engine = new Observed(decoder.backend(), true);
        Observed host = new Observed(decoder.backend(), false);
        List<Completion> drawn = run(engine, params);
        assertEquals(params.maxNewTokens(), engine.engineSteps, what + ": every step's picks are made by the engine");
        assertSamePicks(run(host, params), drawn, what);
        assertEquals(0, host.engineSteps, what);
        return drawn;
    }

    @Test
    void theEnginesDrawsAreTheDjlSamplersOnTheSameLogits() throws Exception {
        for (int vocab : new int[] {24, 3000, 2003}) {
            withRolloutDecoder(vocab, decoder -> {
                for (double temperature : new double[] {1.0, 0.7, 0.0}) {
                    String what = "V " + vocab + ", T " + temperature;
                    SamplingParams params = SamplingParams.builder().maxNewTokens(10).temperature(temperature).seed(3).build();
                    List<Completion> drawn = assertGraphDrawsAsTheDjlSampler(decoder, params, what);
                    if (temperature == 1.0) {
                        // Rows 0 and 2 share a prompt and its prefill but have streams of their own.
                        assertNotEquals(Arrays.toString(drawn.get(0).tokenIds()),
                                Arrays.toString(drawn.get(2).tokenIds()), what + ": own streams");
                    }
                }
            });
        }
    }

    @Test
    void theEnginesTruncatedDrawsAreTheDjlSamplersOnTheSameLogits() throws Exception {
        for (int vocab : new int[] {24, 3000, 2003}) {
            Map<String, SamplingParams.Builder> settings = new LinkedHashMap<>();
            settings.put("top-k 5", SamplingParams.builder().topK(5));
            settings.put("top-k V/2", SamplingParams.builder().topK(vocab / 2).temperature(0.7));
            settings.put("top-p 0.5", SamplingParams.builder().topP(0.5));
            settings.put("top-p 0.95", SamplingParams.builder().topP(0.95).temperature(0.7));
            settings.put("min-p 0.1", SamplingParams.builder().minP(0.1));
            settings.put("min-p 0.005", SamplingParams.builder().minP(0.005).temperature(0.7));
            settings.put("top-k 50, top-p 0.9, min-p 0.02", SamplingParams.builder().topK(50).topP(0.9).minP(0.02).temperature(0.8));
            settings.put("greedy, top-p 0.5", SamplingParams.builder().topP(0.5).temperature(0));
            withRolloutDecoder(vocab, decoder -> settings.forEach((name, builder) ->
                    assertGraphDrawsAsTheDjlSampler(decoder, builder.maxNewTokens(10).seed(5).build(), "V " + vocab + ", " + name)));
        }
    }
}
