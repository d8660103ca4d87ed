package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Truncated importance sampling's weights, caps and mismatch figures against values worked by hand. */
class RolloutCorrectionTest {

    // d = trainer - engine = [0, 0.5, -0.4]
    private static final float[] TRAINER = {-1.0f, -2.0f, -0.5f};
    private static final float[] ENGINE = {-1.0f, -2.5f, -0.1f};

    @Test
    void tokenWeightsAreTheCappedProbabilityRatios() {
        assertArrayEquals(new float[] {1f, 1.6487213f, 0.67032005f},
                RolloutCorrection.TOKEN.weights(TRAINER, ENGINE, 2.0), 1e-6f);
        assertArrayEquals(new float[] {1f, 1.5f, 0.67032005f}, RolloutCorrection.TOKEN.weights(TRAINER, ENGINE, 1.5), 1e-6f);
        assertEquals(0, RolloutCorrection.TOKEN.capped(TRAINER, ENGINE, 2.0));
        assertEquals(1, RolloutCorrection.TOKEN.capped(TRAINER, ENGINE, 1.5));
    }

    @Test
    void sequenceWeightsAreTheCappedRatioOfTheWholeCompletion() {
        // exp(0 + 0.5 - 0.4) = exp(0.1)
        assertArrayEquals(new float[] {1.1051709f, 1.1051709f, 1.1051709f},
                RolloutCorrection.SEQUENCE.weights(TRAINER, ENGINE, 2.0), 1e-6f);
        assertArrayEquals(new float[] {1.05f, 1.05f, 1.05f}, RolloutCorrection.SEQUENCE.weights(TRAINER, ENGINE, 1.05), 1e-6f);
        assertEquals(0, RolloutCorrection.SEQUENCE.capped(TRAINER, ENGINE, 2.0));
        assertEquals(3, RolloutCorrection.SEQUENCE.capped(TRAINER, ENGINE, 1.05));
    }

    @Test
    void agreeingEnginesGiveWeightsOfExactlyOneAndNoKl() {
        for (RolloutCorrection c : RolloutCorrection.values()) {
            float[] w = c.weights(TRAINER, TRAINER.clone(), 2.0);
            assertArrayEquals(new float[] {1f, 1f, 1f}, w, 0f, c.name());
            assertEquals(0, c.capped(TRAINER, TRAINER.clone(), 2.0), c.name());
        }
        assertEquals(0.0, RolloutCorrection.klSum(TRAINER, TRAINER.clone()), 0.0);
        assertArrayEquals(new float[] {1f, 1f, 1f}, RolloutCorrection.NONE.weights(TRAINER, ENGINE, 2.0), 0f);
    }

    @Test
    void klIsTheK3EstimateSummedOverTokens() {
        // (e^0 - 0 - 1) + (e^0.5 - 0.5 - 1) + (e^-0.4 + 0.4 - 1)
        assertEquals(0.1487212707 + 0.0703200460, RolloutCorrection.klSum(TRAINER, ENGINE), 1e-6);
        assertTrue(RolloutCorrection.klSum(ENGINE, TRAINER) > 0);
    }

    @Test
    void batchWeightsLineUpWithTheTrainersTargetsAndSkipSequencesOutOfTheLoss() {
        // Two sequences with 2-token prompts: targets 1..3 are the completion's tokens 0..2 (target j is token j+1).
        float[][] trainer = {{0f, -1.0f, -2.0f, -0.5f}, {0f, 0f, 0f, 0f}};
        RolloutWeights r = RolloutWeights.compute(RolloutCorrection.TOKEN, 1.5, trainer, new int[] {2, 2},
                new boolean[] {true, false}, List.of(ENGINE, ENGINE));
        assertArrayEquals(new float[] {0f, 1f, 1.5f, 0.67032005f}, r.weights()[0], 1e-6f);
        assertArrayEquals(new float[4], r.weights()[1], 0f);
        assertEquals((0.1487212707 + 0.0703200460) / 3, r.kl(), 1e-6);
        assertEquals(1.0 / 3, r.cappedShare(), 1e-12);
    }

    @Test
    void theCorrectionDefaultsByEngineAndTheCapMustBePositive() {
        assertEquals(RolloutCorrection.NONE, GrpoConfig.builder().build().rolloutCorrection());
        assertEquals(RolloutEngine.DJL, GrpoConfig.builder().build().rolloutEngine());
        assertEquals(RolloutCorrection.TOKEN, GrpoConfig.builder().rolloutEngine(RolloutEngine.ONNX_RUNTIME).build()
                .rolloutCorrection());
        assertEquals(RolloutCorrection.SEQUENCE, GrpoConfig.builder().rolloutEngine(RolloutEngine.ONNX_RUNTIME)
                .rolloutCorrection(RolloutCorrection.SEQUENCE).build().rolloutCorrection());
        assertEquals(2.0, GrpoConfig.builder().build().rolloutIsCap());
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GrpoConfig.builder().rolloutIsCap(bad).build());
            assertTrue(e.getMessage().contains("rollout_is_cap must be a finite number > 0"), e.getMessage());
        }
    }
}
