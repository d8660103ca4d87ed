package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.r1j.rl.model.Engines;
import org.junit.jupiter.api.Test;

/** Golden values of the three policy losses, worked by hand in the comments. */
class PolicyLossTest {

    private static final ClippedSurrogate CLIP = new ClippedSurrogate(0.2, 0.28);

    @Test
    void gspoClipsTheSequenceRatioNotTheTokens() {
        // Completion of two tokens with log-ratios +0.5 and -0.3: log s = 0.1, s = e^0.1 = 1.10517,
        // inside [0.8, 1.28]: each token's loss is -s A whatever its own ratio (e^0.5 = 1.65 would be
        // clipped by PPO).
        double s = Math.exp(0.1);
        assertEquals(-s * 2, PolicyLoss.GSPO.value(CLIP, -1.0, -1.5, 2.0, 0.1), 1e-12);
        assertEquals(-1.28 * 2, PolicyLoss.PPO_CLIP.value(CLIP, -1.0, -1.5, 2.0, 0.1), 1e-12);
        // log s = 0.5 with A > 0: clipped at 1.28; with A < 0 the unclipped -(-1) e^0.5 is the larger loss.
        assertEquals(-1.28, PolicyLoss.GSPO.value(CLIP, -1.0, -1.0, 1.0, 0.5), 1e-12);
        assertEquals(Math.exp(0.5), PolicyLoss.GSPO.value(CLIP, -1.0, -1.0, -1.0, 0.5), 1e-12);
    }

    @Test
    void cispoWeighsTheLogProbabilityByTheClippedRatio() {
        // r = e^0.5 = 1.6487 > 1.28: -1.28 * A * logp = -1.28 * 2 * (-1) = 2.56.
        assertEquals(2.56, PolicyLoss.CISPO.value(CLIP, -1.0, -1.5, 2.0, 0), 1e-12);
        // r = e^-0.1 inside the range: -r * A * logp.
        assertEquals(-Math.exp(-0.1) * -1 * -2, PolicyLoss.CISPO.value(CLIP, -2.0, -1.9, -1.0, 0), 1e-12);
        // r = e^-1 = 0.368 < 0.8: held at 0.8.
        assertEquals(-0.8 * 3 * -0.5, PolicyLoss.CISPO.value(CLIP, -0.5, 0.5, 3.0, 0), 1e-12);
    }

    @Test
    void sequenceLogRatiosAverageTheLossTokensOnly() {
        // Sequence 0: prompt of 2, 5 tokens: positions 1, 2, 3 score completion tokens 2, 3, 4.
        // Sequence 1: filtered out of the loss. Sequence 2: prompt of 3, 4 tokens: position 2 only.
        float[][] cur = {{9, 0.5f, 0.25f, -0.75f}, {1, 1, 1}, {7, 7, 0.5f}};
        float[][] old = {{0, 0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
        double[] got = PolicyLoss.sequenceLogRatios(cur, old, new int[] {2, 2, 3},
                new int[][] {new int[5], new int[4], new int[4]}, new boolean[] {true, false, true});
        assertArrayEquals(new double[] {0.0, 0.0, 0.5}, got, 1e-12);
    }

    @Test
    void cispoCountsEveryCappedWeightWhateverTheAdvantage() {
        float[] ratio = {0.5f, 0.5f, 1.5f, 1.5f, 1.0f, 9f};
        float[] adv = {-1f, 1f, 1f, -1f, 1f, 1f};
        float[] mask = {1, 1, 1, 1, 1, 0};
        ClippedSurrogate sym = new ClippedSurrogate(0.2, 0.2);
        assertArrayEquals(new double[] {0.4, 0.4}, PolicyLoss.CISPO.clipFractions(sym, ratio, adv, mask), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.2}, PolicyLoss.PPO_CLIP.clipFractions(sym, ratio, adv, mask), 1e-12);
    }

    /**
     * The tensor forms equal the scalar formulas, and their gradients in log pi are: PPO inside the range
     * -r A; GSPO -s A (the sequence ratio, not the token's); CISPO -clip(r) A, never zero.
     */
    @Test
    void tensorsMatchTheScalarFormulasAndTheirGradients() {
        float[] logp = {-1f, -2f, -0.5f};
        float[] old = {-1.5f, -1.9f, 0.5f};
        float[] adv = {2f, -1f, 3f};
        float[] seq = {0.1f, 0.1f, -0.05f};
        try (NDManager m = NDManager.newBaseManager()) {
            for (PolicyLoss loss : PolicyLoss.values()) {
                NDArray lp = m.create(logp);
                boolean was = Engines.gradMode(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    lp.setRequiresGradient(true);
                    NDArray perToken = loss.apply(CLIP, lp, m.create(old), m.create(adv), m.create(seq));
                    float[] values = perToken.toFloatArray();
                    for (int i = 0; i < logp.length; i++) {
                        assertEquals(loss.value(CLIP, logp[i], old[i], adv[i], seq[i]), values[i], 1e-5, loss + " token " + i);
                    }
                    gc.backward(perToken.sum());
                    float[] grad = lp.getGradient().toFloatArray();
                    for (int i = 0; i < logp.length; i++) {
                        assertEquals(expectedGradient(loss, logp[i], old[i], adv[i], seq[i]), grad[i], 1e-5,
                                loss + " gradient " + i);
                    }
                } finally {
                    Engines.gradMode(was);
                }
            }
        }
    }

    /** d loss / d logp by hand: each formula's derivative, with the clip's zero gradient outside its range. */
    private static double expectedGradient(PolicyLoss loss, double logp, double old, double adv, double seq) {
        double lo = 1 - CLIP.epsilonLow();
        double hi = 1 + CLIP.epsilonHigh();
        return switch (loss) {
            case PPO_CLIP -> {
                double r = Math.exp(logp - old);
                boolean noGradient = (r > hi && adv > 0) || (r < lo && adv < 0);
                yield noGradient ? 0 : -r * adv;
            }
            case GSPO -> {
                double s = Math.exp(seq);
                boolean noGradient = (s > hi && adv > 0) || (s < lo && adv < 0);
                yield noGradient ? 0 : -s * adv;
            }
            case CISPO -> -Math.max(lo, Math.min(hi, Math.exp(logp - old))) * adv;
        };
    }
}
