package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks of {@link ModelParityTest} (logits against {@link NaiveDecoder}, KV-cache decoding against
 * the full forward, a left-padded batch against its rows alone) on the families and rotary scalings
 * added to qwen2 and llama: qwen3 (q/k norm, head_dim unlike hidden / heads, GQA, with and without
 * attention bias), llama with each rope_scaling type, yarn on qwen2 and qwen3, and mistral with a
 * sliding window shorter than the sequences and without one. The inherited tests draw their cases from
 * this class's {@link #configs()}, which hides the parent's.
 */
class FamilyParityTest extends ModelParityTest {

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("qwen3 GQA head_dim 12 != 32/4", TransformerConfig.builder().family(ModelFamily.QWEN3)
                        .vocabSize(43).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(2).headDim(12).rmsNormEps(1e-6).ropeTheta(1_000_000).build()),
                Arguments.of("qwen3 MQA tied with attention bias", TransformerConfig.builder().family(ModelFamily.QWEN3)
                        .vocabSize(37).hiddenSize(24).intermediateSize(40).numHiddenLayers(2).numAttentionHeads(3)
                        .numKeyValueHeads(1).headDim(16).attentionBias(true).tieWordEmbeddings(true).build()),
                // Head size 8, theta 1e4: wavelengths 6.3, 63, 628, 6283 against bands at 64/4 = 16 and 64/1 = 64,
                // so one frequency is kept, one blended and two divided by the factor.
                Arguments.of("llama rope llama3", TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(41)
                        .hiddenSize(32).intermediateSize(40).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
                        .ropeScaling(new RopeScaling.Llama3(8, 1, 4, 64)).build()),
                Arguments.of("llama rope linear", TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(41)
                        .hiddenSize(32).intermediateSize(40).numHiddenLayers(2).numAttentionHeads(2)
                        .ropeScaling(new RopeScaling.Linear(4)).build()),
                Arguments.of("llama rope yarn with mscales, betas, untruncated", TransformerConfig.builder()
                        .family(ModelFamily.LLAMA).vocabSize(41).hiddenSize(32).intermediateSize(40).numHiddenLayers(2)
                        .numAttentionHeads(2).maxPositionEmbeddings(512)
                        .ropeScaling(new RopeScaling.Yarn(2, 256, 16, 2, 1.0, 0.8, 0, false)).build()),
                Arguments.of("qwen2 rope yarn (Qwen2.5 long-context form)", TransformerConfig.builder()
                        .family(ModelFamily.QWEN2).vocabSize(50).hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                        .numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(128)
                        .ropeScaling(RopeScaling.Yarn.of(4, 32)).build()),
                Arguments.of("qwen3 rope yarn without original context", TransformerConfig.builder()
                        .family(ModelFamily.QWEN3).vocabSize(40).hiddenSize(32).intermediateSize(48).numHiddenLayers(1)
                        .numAttentionHeads(4).numKeyValueHeads(2).headDim(16).maxPositionEmbeddings(64)
                        .ropeScaling(RopeScaling.Yarn.of(4, 0)).build()),
                Arguments.of("mistral GQA sliding window 3", TransformerConfig.builder().family(ModelFamily.MISTRAL)
                        .vocabSize(45).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(2).slidingWindow(3).build()),
                Arguments.of("mistral full attention, head_dim 10", TransformerConfig.builder().family(ModelFamily.MISTRAL)
                        .vocabSize(45).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                        .numKeyValueHeads(1).headDim(10).build()));
    }

    /** The new pieces change the logits: dropping one (scaling, q/k norm, window) would not go unseen. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void theFamilyPieceMattersForTheseLogits(String name, TransformerConfig config) {
        TransformerConfig plain;
        if (config.queryKeyNorm()) {
            plain = config.toBuilder().family(ModelFamily.LLAMA).build();
        } else if (config.ropeScaling() != RopeScaling.NONE) {
            plain = config.toBuilder().ropeScaling(RopeScaling.NONE).build();
        } else if (config.hasSlidingWindow()) {
            plain = config.toBuilder().slidingWindow(0).build();
        } else {
            return; // full-attention mistral is llama without biases: nothing to switch off
        }
        int[] ids = new Random(7).ints(13, 0, config.vocabSize()).toArray();
        try (CausalLm model = randomModel(config, 42)) {
            double[][] with = new NaiveDecoder(config, model.hfTensors()).logits(ids);
            java.util.Map<String, float[]> tensors = new java.util.LinkedHashMap<>(model.hfTensors());
            tensors.keySet().removeIf(k -> k.contains("q_norm") || k.contains("k_norm"));
            double[][] without = new NaiveDecoder(plain, tensors).logits(ids);
            double maxDiff = 0;
            for (int i = 0; i < ids.length; i++) {
                for (int v = 0; v < config.vocabSize(); v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(with[i][v] - without[i][v]));
                }
            }
            assertTrue(maxDiff > 1e-2, name + ": the logits barely change without it (" + maxDiff + ")");
        }
    }

    /** The q/k norm gains and masks are temporaries of the pass: the weights' manager does not grow. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void forwardPassesLeaveNoArraysWithTheWeights(String name, TransformerConfig config) {
        try (CausalLm model = randomModel(config, 1)) {
            int[] ids = new Random(3).ints(6, 0, config.vocabSize()).toArray();
            model.logits(ids);
            int arrays = model.manager().getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                model.logits(ids);
            }
            assertEquals(arrays, model.manager().getManagedArrays().size(), name);
        }
    }
}
