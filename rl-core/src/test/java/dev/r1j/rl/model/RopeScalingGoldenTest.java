package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Scaled rotary tables against values worked out by hand from the published formulas, for head size 8
 * or 16 and theta 10^4, where the unscaled frequencies are the round numbers 10^(-8i/D).
 */
class RopeScalingGoldenTest {

    @Test
    void llama3KeepsShortWavelengthsDividesLongOnesAndBlendsBetween() {
        // D = 8: frequencies 1, 0.1, 0.01, 0.001, wavelengths 2 pi / f = 6.28, 62.83, 628.3, 6283.
        // original 64, low 1, high 4: wavelengths under 64 / 4 = 16 are kept, over 64 / 1 = 64 divided by 8.
        // 62.83 lies between: s = (64 / (20 pi) - 1) / (4 - 1) = 0.0061975..., f = (1 - s) * 0.1 / 8 + s * 0.1.
        double s = (64 / (20 * Math.PI) - 1) / 3;
        double[] expected = {1.0, (1 - s) * 0.0125 + s * 0.1, 0.01 / 8, 0.001 / 8};
        assertEquals(0.0130423, expected[1], 1e-7, "the hand value itself");
        assertArrayEquals(expected, new RopeScaling.Llama3(8, 1, 4, 64).inverseFrequencies(8, 1e4, 8192), 1e-15);
    }

    @Test
    void linearDividesEveryFrequency() {
        assertArrayEquals(new double[] {0.25, 0.025, 0.0025, 0.00025},
                new RopeScaling.Linear(4).inverseFrequencies(8, 1e4, 2048), 1e-15);
    }

    @Test
    void yarnRampsBetweenTheCorrectionDimensionsAndScalesTheTables() {
        // D = 16: frequencies 10^(-i/2). Correction dimension of r rotations over 64 positions:
        // 16 ln(64 / (2 pi r)) / (2 ln 10^4): r = 32 gives -0.994 -> floor -1 -> clamped to 0; r = 1 gives
        // 2.016 -> ceil 3. Ramp i / 3 weights the interpolated f / 4 against the original f.
        double[] expected = {
            1.0,                                          // ramp 0: kept
            Math.pow(10, -0.5) * (0.25 / 3 + 2.0 / 3),    // ramp 1/3
            0.1 * (0.25 * 2 / 3 + 1.0 / 3),               // ramp 2/3 = 0.05
            Math.pow(10, -1.5) / 4, 0.01 / 4, Math.pow(10, -2.5) / 4, 0.001 / 4, Math.pow(10, -3.5) / 4};
        RopeScaling.Yarn yarn = RopeScaling.Yarn.of(4, 64);
        assertArrayEquals(expected, yarn.inverseFrequencies(16, 1e4, 4096), 1e-15);
        // Attention factor 0.1 ln 4 + 1, on cos and sin alike.
        assertEquals(1.1386294361, yarn.attentionFactor(), 1e-10);
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.QWEN2).hiddenSize(32).numAttentionHeads(2)
                .maxPositionEmbeddings(256).ropeScaling(yarn).build();
        float[] cos = new float[16];
        float[] sin = new float[16];
        new RotaryTables(c).fill(new long[] {3}, cos, sin);
        assertEquals(Math.cos(3 * expected[1]) * 1.1386294361, cos[1], 1e-6);
        assertEquals(Math.sin(3 * expected[2]) * 1.1386294361, sin[2], 1e-6);
        assertEquals(cos[1], cos[9], 0f, "rotate-half: both halves use the same angle");
    }

    @Test
    void yarnAttentionFactorWithBothMscalesIsTheirRatio() {
        // DeepSeek-V3's form: (0.1 * 1.0 * ln 40 + 1) / (0.1 * 0.8 * ln 40 + 1).
        RopeScaling.Yarn y = new RopeScaling.Yarn(40, 4096, 32, 1, 1.0, 0.8, 0, true);
        assertEquals((0.1 * Math.log(40) + 1) / (0.08 * Math.log(40) + 1), y.attentionFactor(), 1e-15);
        assertEquals(1.5, new RopeScaling.Yarn(40, 4096, 0, 0, 0, 0, 1.5, true).attentionFactor(), 0);
        assertEquals(1.0, RopeScaling.Yarn.of(1, 0).attentionFactor(), 0, "no scaling, no factor");
    }
}
