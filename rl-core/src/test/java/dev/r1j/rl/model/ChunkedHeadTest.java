package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunked output head against the same quantities computed over all positions at once. */
class ChunkedHeadTest {

    private static final int B = 2;
    private static final int T = 5;

    private static TransformerConfig config(boolean tied) {
        return TransformerConfig.builder().vocabSize(23).hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(32).tieWordEmbeddings(tied).build();
    }

    private static long[] ids(int seed) {
        Random r = new Random(seed);
        long[] out = new long[B * T];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.nextInt(23);
        }
        return out;
    }

    private static long[] positions() {
        long[] pos = new long[B * T];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % T;
        }
        return pos;
    }

    private static float[] ones() {
        float[] keep = new float[B * T];
        java.util.Arrays.fill(keep, 1f);
        return keep;
    }

    @Test
    void chunkedLogProbsAndEntropyEqualTheWholeComputation() {
        for (boolean tied : new boolean[] {true, false}) {
            try (CausalLm model = CausalLm.randomInit(config(tied), 4); NDManager m = model.manager().newSubManager()) {
                boolean grad = Engines.gradMode(false);
                try {
                    NDArray inputs = m.create(ids(1), new Shape(B, T));
                    NDArray targets = m.create(ids(2), new Shape(B * T));
                    NDArray logits = model.forward(inputs, positions(), ones(), null).reshape(B * T, 23); // [B*T, V]
                    TokenScores whole = TokenScores.of(logits, targets);
                    float[] wholeLp = whole.logProbs().toFloatArray();
                    float[] wholeEnt = whole.entropy().toFloatArray();
                    assertArrayEquals(CausalLm.tokenLogProbs(logits.reshape(B, T, 23), targets.reshape(B, T)).toFloatArray(),
                            wholeLp, 1e-6f, "the [B, T, V] helper agrees");
                    NDArray hidden = model.hidden(inputs, positions(), ones(), null);                      // [B*T, H]
                    for (int chunk : new int[] {1, 3, B * T, 1024}) {
                        TokenScores s = model.tokenLogProbs(hidden, targets, chunk);
                        assertArrayEquals(wholeLp, s.logProbs().toFloatArray(), 1e-5f, "log-probs, chunk " + chunk);
                        assertArrayEquals(wholeEnt, s.entropy().toFloatArray(), 1e-5f, "entropy, chunk " + chunk);
                    }
                    // Selected rows only: the same values at those rows.
                    NDArray rows = m.create(new long[] {7, 1, 4});
                    TokenScores picked = model.tokenLogProbs(hidden.get(rows), targets.get(rows), 2);
                    float[] lp = picked.logProbs().toFloatArray();
                    assertEquals(wholeLp[7], lp[0], 1e-5f);
                    assertEquals(wholeLp[1], lp[1], 1e-5f);
                    assertEquals(wholeLp[4], lp[2], 1e-5f);
                    assertEquals(0, model.tokenLogProbs(hidden.get(m.create(new long[0])), m.create(new long[0]), 3)
                            .logProbs().size());
                } finally {
                    Engines.gradMode(grad);
                }
            }
        }
    }

    /** A position-wise loss mixing log-probs and entropy with per-position weights. */
    private static NDArray loss(TokenScores s, NDArray weights) {
        return s.logProbs().add(s.entropy().mul(0.3)).mul(weights).sum();
    }

    @Test
    void chunkedLossGradientsEqualTheWholeComputation() {
        for (boolean tied : new boolean[] {true, false}) {
            try (CausalLm model = CausalLm.randomInit(config(tied), 5)) {
                float[] w = new float[B * T];
                Random r = new Random(3);
                for (int i = 0; i < w.length; i++) {
                    w[i] = i % 4 == 0 ? 0f : r.nextFloat() - 0.3f;
                }
                double[] wholeValue = new double[1];
                List<float[]> whole = gradients(model, m -> {
                    NDArray inputs = m.create(ids(1), new Shape(B, T));
                    NDArray targets = m.create(ids(2), new Shape(B * T));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = model.forward(inputs, positions(), ones(), null).reshape(B * T, 23);
                        NDArray l = loss(TokenScores.of(logits, targets), m.create(w));
                        wholeValue[0] = l.getFloat();
                        gc.backward(l);
                    }
                });
                for (int chunk : new int[] {1, 3, B * T}) {
                    double[] value = new double[1];
                    List<float[]> chunked = gradients(model, m -> {
                        NDArray inputs = m.create(ids(1), new Shape(B, T));
                        NDArray targets = m.create(ids(2), new Shape(B * T));
                        NDArray weights = m.create(w);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray hidden = model.hidden(inputs, positions(), ones(), null);
                            value[0] = model.chunkedLoss(hidden, chunk, (start, end, logits) -> loss(TokenScores.of(logits,
                                    targets.get(start + ":" + end)), weights.get(start + ":" + end)), gc);
                        }
                    });
                    assertEquals(wholeValue[0], value[0], 1e-5, "loss, chunk " + chunk);
                    for (int p = 0; p < whole.size(); p++) {
                        assertArrayEquals(whole.get(p), chunked.get(p), 1e-5f, "gradient of parameter " + p + ", chunk "
                                + chunk + (tied ? ", tied head" : ""));
                    }
                }
                // Evaluation without a collector gives the same value and records nothing.
                try (NDManager m = model.manager().newSubManager()) {
                    boolean grad = Engines.gradMode(false);
                    try {
                        NDArray targets = m.create(ids(2), new Shape(B * T));
                        NDArray weights = m.create(w);
                        NDArray hidden = model.hidden(m.create(ids(1), new Shape(B, T)), positions(), ones(), null);
                        double v = model.chunkedLoss(hidden, 4, (start, end, logits) -> loss(TokenScores.of(logits,
                                targets.get(start + ":" + end)), weights.get(start + ":" + end)), null);
                        assertEquals(wholeValue[0], v, 1e-5);
                    } finally {
                        Engines.gradMode(grad);
                    }
                }
            }
        }
    }

    @Test
    void aChunkBelowOneIsRefused() {
        try (CausalLm model = CausalLm.randomInit(config(true), 1); NDManager m = model.manager().newSubManager()) {
            NDArray h = m.zeros(new Shape(2, 16));
            assertThrows(IllegalArgumentException.class, () -> model.tokenLogProbs(h, m.create(new long[] {0, 1}), 0));
        }
    }

    private static List<float[]> gradients(CausalLm model, java.util.function.Consumer<NDManager> step) {
        List<NDArray> params = model.parameters();
        params.forEach(p -> p.setRequiresGradient(true));
        try (NDManager m = model.manager().newSubManager()) {
            step.accept(m);
            List<float[]> out = new ArrayList<>();
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.attach(m);
                out.add(g.toFloatArray());
            }
            return out;
        } finally {
            Engines.zeroGradients(params);
            params.forEach(p -> p.setRequiresGradient(false));
            Engines.gradMode(false);
        }
    }
}
