package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CausalLm#trainingLoss} with the decoder blocks recomputed in the backward pass against the
 * recorded pass: the same loss and the same gradient for every trainable parameter, through the
 * chunked head, for tied and untied heads, qwen3's q/k norms with rotary scaling, and a LoRA adapter.
 */
class GradientCheckpointingTest {

    private static final int B = 2;
    private static final int T = 6;
    private static final int V = 23;

    static Stream<Arguments> models() {
        TransformerConfig.Builder tiny = TransformerConfig.builder().vocabSize(V).hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(3).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(32);
        return Stream.of(
                Arguments.of("qwen2 tied", tiny.family(ModelFamily.QWEN2).tieWordEmbeddings(true).build()),
                Arguments.of("qwen2 untied", tiny.family(ModelFamily.QWEN2).tieWordEmbeddings(false).build()),
                Arguments.of("qwen3 yarn", tiny.family(ModelFamily.QWEN3).headDim(6).tieWordEmbeddings(true)
                        .ropeScaling(RopeScaling.Yarn.of(4, 16)).build()),
                Arguments.of("llama biases", tiny.family(ModelFamily.LLAMA).headDim(4).attentionBias(true).mlpBias(true)
                        .tieWordEmbeddings(false).ropeScaling(RopeScaling.NONE).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void recomputedBlocksGiveTheRecordedLossAndGradients(String name, TransformerConfig config) {
        try (CausalLm model = CausalLm.randomInit(config, 5)) {
            perturbGains(model);
            compare(name, model, model.parameters());
        }
    }

    @Test
    void anAdaptersParametersGetTheRecordedGradients(@org.junit.jupiter.api.io.TempDir Path tmp) {
        TransformerConfig config = TransformerConfig.builder().family(ModelFamily.QWEN3).vocabSize(V).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).headDim(4)
                .maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        LoraConfig lora = LoraConfig.builder().rank(2).build();
        try (CausalLm model = CausalLm.randomInit(config, 7)) {
            // A trained-looking adapter (B not zero), so that A's gradients are not zero either.
            Random r = new Random(2);
            Map<String, float[]> peft = new LinkedHashMap<>();
            LoraAdapter.peftShapes(lora, config).forEach((n, shape) -> {
                float[] v = new float[(int) (shape[0] * shape[1])];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.1 * r.nextGaussian());
                }
                peft.put(n, v);
            });
            LoraAdapter adapter = LoraAdapter.fromPeft(model, lora, LoraBase.of(tmp),
                    new DecoderWeights.MapWeights(peft, LoraAdapter.peftShapes(lora, config)), null);
            compare("qwen3 + LoRA", model, adapter.parameters());
        }
    }

    @Test
    void noArraysAccumulateAcrossSteps() {
        TransformerConfig config = TransformerConfig.builder().vocabSize(V).hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(32).build();
        try (CausalLm model = CausalLm.randomInit(config, 3)) {
            List<NDArray> params = model.parameters();
            params.forEach(p -> p.setRequiresGradient(true));
            try {
                step(model, true, 3);
                int arrays = model.manager().getManagedArrays().size();
                for (int i = 0; i < 5; i++) {
                    step(model, true, 3);
                    Engines.zeroGradients(params);
                }
                assertEquals(arrays, model.manager().getManagedArrays().size(), "arrays held after 6 steps vs after 1");
            } finally {
                params.forEach(p -> p.setRequiresGradient(false));
                Engines.gradMode(false);
            }
        }
    }

    /** Gains away from 1, so that the norms' gradients are not all alike. */
    private static void perturbGains(CausalLm model) {
        boolean grad = Engines.gradMode(false);
        try (NDManager m = model.manager().newSubManager()) {
            Random r = new Random(9);
            for (NDArray p : model.parameters()) {
                if (p.getShape().dimension() == 1) {
                    float[] noise = new float[(int) p.size()];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = (float) (0.2 * r.nextGaussian());
                    }
                    p.addi(Engines.owned(m.create(noise, p.getShape())));
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
    }

    private static void compare(String name, CausalLm model, List<NDArray> trainable) {
        for (int chunk : new int[] {1, 4, 1024}) {
            double[] recorded = new double[1];
            List<float[]> whole = gradients(trainable, () -> recorded[0] = step(model, false, chunk));
            double[] recomputed = new double[1];
            List<float[]> checkpointed = gradients(trainable, () -> recomputed[0] = step(model, true, chunk));
            assertEquals(recorded[0], recomputed[0], 1e-5, name + ": loss, chunk " + chunk);
            double largest = 0;
            for (int p = 0; p < whole.size(); p++) {
                assertArrayEquals(whole.get(p), checkpointed.get(p), 1e-5f, name + ": gradient of parameter " + p
                        + ", chunk " + chunk);
                for (float g : whole.get(p)) {
                    largest = Math.max(largest, Math.abs(g));
                }
            }
            assertTrue(largest > 1e-3, name + ": the gradients compared are not all zero (largest " + largest + ")");
        }
    }

    /** One forward and backward pass of a weighted log-prob and entropy loss over some positions. */
    private static double step(CausalLm model, boolean checkpointed, int chunk) {
        Random r = new Random(11);
        long[] ids = new long[B * T];
        long[] targets = new long[B * T];
        long[] pos = new long[B * T];
        float[] keep = new float[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(V);
            targets[i] = r.nextInt(V);
            pos[i] = Math.max(0, i % T - (i < T ? 1 : 0));
            keep[i] = i == 0 ? 0f : 1f;  // row 0 is left-padded by one position
        }
        long[] rows = {T - 1, 2, 3, T + 1, 2 * T - 1, T + 3};
        float[] w = {0.5f, -1.2f, 0.8f, 1f, 0.3f, -0.4f};
        try (NDManager m = model.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray inputs = Engines.owned(m.create(ids, new Shape(B, T)));
            NDArray picked = Engines.owned(m.create(rows));
            NDArray targetRows = Engines.owned(m.create(targets)).get(picked);                 // [N]
            NDArray weights = Engines.owned(m.create(w));                                        // [N]
            return model.trainingLoss(inputs, pos, keep, picked, chunk, (s, e, logits) -> {
                TokenScores scores = TokenScores.of(logits, targetRows.get(s + ":" + e));
                NDArray entropy = scores.entropy();
                return scores.logProbs().add(entropy.mul(Engines.scalarLike(entropy, 0.3)))
                        .mul(weights.get(s + ":" + e)).sum();
            }, gc, checkpointed);
        }
    }

    private static List<float[]> gradients(List<NDArray> trainable, Runnable step) {
        trainable.forEach(p -> p.setRequiresGradient(true));
        try (NDManager m = trainable.get(0).getManager().newSubManager()) {
            step.run();
            List<float[]> out = new ArrayList<>();
            for (NDArray p : trainable) {
                NDArray g = p.getGradient();
                g.attach(m);
                out.add(g.toFloatArray());
            }
            return out;
        } finally {
            Engines.zeroGradients(trainable);
            trainable.forEach(p -> p.setRequiresGradient(false));
            Engines.gradMode(false);
        }
    }
}
