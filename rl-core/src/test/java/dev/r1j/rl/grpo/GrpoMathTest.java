package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.r1j.rl.model.Engines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden values of the pure parts of GRPO, computed by hand in the comments. */
class GrpoMathTest {

    private static final double E = Advantages.EPSILON;

    @Test
    void groupStdAdvantages() {
        // Group 1: mean 0.25, sample std sqrt((0.75^2 + 3 * 0.25^2) / 3) = 0.5. Group 2 agrees: all 0.
        double[] a = Advantages.compute(new double[] {1, 0, 0, 0, 1, 1, 1, 1}, 4, AdvantageScaling.GROUP_STD);
        double up = 0.75 / (0.5 + E);
        double down = -0.25 / (0.5 + E);
        assertArrayEquals(new double[] {up, down, down, down, 0, 0, 0, 0}, a, 1e-12);
    }

    @Test
    void batchStdAndUnscaledAdvantages() {
        double[] r = {1, 0, 0, 0, 1, 1, 1, 1};
        // Batch: mean 0.625, sum of squares 5 * 0.375^2 + 3 * 0.625^2 = 1.875, sample std sqrt(1.875 / 7).
        double std = Math.sqrt(1.875 / 7);
        double[] batch = Advantages.compute(r, 4, AdvantageScaling.BATCH_STD);
        assertEquals(0.75 / (std + E), batch[0], 1e-12);
        assertEquals(-0.25 / (std + E), batch[1], 1e-12);
        assertEquals(0, batch[5], 1e-12);
        assertArrayEquals(new double[] {0.75, -0.25, -0.25, -0.25, 0, 0, 0, 0},
                Advantages.compute(r, 4, AdvantageScaling.NONE), 1e-12);
        assertTrue(Advantages.zeroSpread(r, 4, 1));
        assertTrue(!Advantages.zeroSpread(r, 4, 0));
    }

    @Test
    void advantagesRefuseBadGroups() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Advantages.compute(new double[] {1, 0}, 1, AdvantageScaling.NONE));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1, 0, 1}, 2, AdvantageScaling.NONE));
    }

    @Test
    void aggregationWeights() {
        int[] lengths = {2, 4, 0};
        // Sequence mean: 1 / (sequences * own length); the empty sequence still counts as a sequence.
        assertArrayEquals(new double[] {1.0 / 6, 1.0 / 12, 0}, LossAggregation.SEQUENCE_MEAN.tokenWeights(lengths, 8), 1e-15);
        // Token mean: 1 / all tokens (6).
        assertArrayEquals(new double[] {1.0 / 6, 1.0 / 6, 0}, LossAggregation.TOKEN_MEAN.tokenWeights(lengths, 8), 1e-15);
        // Constant: 1 / (sequences * max new tokens) = 1 / 24.
        assertArrayEquals(new double[] {1.0 / 24, 1.0 / 24, 0}, LossAggregation.CONSTANT.tokenWeights(lengths, 8), 1e-15);
        assertEquals(0, LossAggregation.TOKEN_MEAN.tokenWeights(new int[0], 8).length);
        assertThrows(IllegalArgumentException.class, () -> LossAggregation.TOKEN_MEAN.tokenWeights(new int[] {-1}, 8));
    }

    @Test
    void clippedSurrogateGoldenValues() {
        ClippedSurrogate sym = new ClippedSurrogate(0.2, 0.2);
        // r = e^0.5 = 1.6487: a positive advantage is clipped at 1.2, a negative one is not.
        assertEquals(-1.2, sym.value(-1, -1.5, 1), 1e-12);
        assertEquals(Math.exp(0.5), sym.value(-1, -1.5, -1), 1e-12);
        // Clip-higher moves only the ceiling.
        assertEquals(-1.28, new ClippedSurrogate(0.2, 0.28).value(-1, -1.5, 1), 1e-12);
        // r = e^-1 = 0.3679: a negative advantage is clipped at 0.8, a positive one is not.
        assertEquals(0.8, sym.value(-2, -1, -1), 1e-12);
        assertEquals(-Math.exp(-1), sym.value(-2, -1, 1), 1e-12);
        // Inside the range the loss is -r * A.
        assertEquals(-2 * Math.exp(0.1), sym.value(-1, -1.1, 2), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new ClippedSurrogate(1.0, 0.2));
    }

    @Test
    void surrogateTensorsMatchTheScalarFormulaAndItsGradient() {
        ClippedSurrogate s = new ClippedSurrogate(0.2, 0.28);
        float[] logp = {-1f, -2f, -0.5f, -3f};
        float[] old = {-1.5f, -1f, -0.5f, -3.2f};
        float[] adv = {1f, -1f};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lp = m.create(logp, new Shape(2, 2));
            NDArray o = m.create(old, new Shape(2, 2));
            NDArray a = m.create(adv, new Shape(2, 1));
            float[] got = s.apply(lp, o, a).toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(s.value(logp[i], old[i], adv[i / 2]), got[i], 1e-6, "token " + i);
            }
            // At ratio 1 (old = current, detached) the gradient of the loss in logp is -A.
            boolean was = Engines.gradMode(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                lp.setRequiresGradient(true);
                NDArray loss = s.apply(lp, lp.stopGradient(), a).sum();
                gc.backward(loss);
                assertArrayEquals(new float[] {-1f, -1f, 1f, 1f}, lp.getGradient().toFloatArray(), 1e-6f);
            } finally {
                Engines.gradMode(was);
            }
        }
    }

    @Test
    void clipFractionsCountOnlyClipsThatRemoveGradient() {
        ClippedSurrogate s = new ClippedSurrogate(0.2, 0.2);
        float[] ratio = {0.5f, 0.5f, 1.5f, 1.5f, 1.0f, 9f};
        float[] adv = {-1f, 1f, 1f, -1f, 1f, 1f};
        float[] mask = {1, 1, 1, 1, 1, 0};
        // Low: ratio 0.5 with A < 0 (1 of 5 tokens). High: ratio 1.5 with A > 0 (1 of 5); the masked 9 does not count.
        assertArrayEquals(new double[] {0.2, 0.2}, s.clipFractions(ratio, adv, mask), 1e-12);
    }

    @Test
    void klEstimatorsGoldenValues() {
        // policy log p = -1, reference -2: d = ref - policy = -1.
        assertEquals(1.0, KlEstimator.K1.value(-1, -2), 1e-12);
        assertEquals(0.5, KlEstimator.K2.value(-1, -2), 1e-12);
        assertEquals(Math.exp(-1) + 1 - 1, KlEstimator.K3.value(-1, -2), 1e-12);
        assertEquals(0.0, KlEstimator.K3.value(-0.7, -0.7), 1e-12, "no divergence, no penalty");
        try (NDManager m = NDManager.newBaseManager()) {
            float[] p = {-1f, -0.2f, -3f};
            float[] r = {-2f, -0.1f, -1f};
            for (KlEstimator k : KlEstimator.values()) {
                float[] got = k.apply(m.create(p), m.create(r)).toFloatArray();
                for (int i = 0; i < p.length; i++) {
                    assertEquals(k.value(p[i], r[i]), got[i], 1e-6, k + " token " + i);
                }
            }
        }
    }

    @Test
    void dynamicSamplingFillKeepsTheBatchShape() {
        assertEquals(List.of("i1", "i2", "a1"), GrpoTrainer.fill(List.of("i1", "i2"), List.of("a1", "a2"), 3));
        assertEquals(List.of("i1", "i2"), GrpoTrainer.fill(List.of("i1", "i2", "i3"), List.of("a1"), 2));
        assertEquals(List.of("a1", "a2"), GrpoTrainer.fill(List.of(), List.of("a1", "a2", "a3"), 2));
    }

    @Test
    void configValidationNamesEveryBrokenField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GrpoConfig.builder().groupSize(1).epsilonLow(1.5).learningRate(0).build());
        assertTrue(e.getMessage().contains("group_size must be >= 2"), e.getMessage());
        assertTrue(e.getMessage().contains("epsilon_low"), e.getMessage());
        assertTrue(e.getMessage().contains("learning_rate must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GrpoConfig.builder().temperature(0).build());
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        GrpoConfig c = GrpoConfig.builder().build();
        assertEquals(c, c.toBuilder().build(), "toBuilder keeps every field");
        assertEquals(c.learningRate(), c.minLearningRate(), "no decay unless asked");
    }
}
