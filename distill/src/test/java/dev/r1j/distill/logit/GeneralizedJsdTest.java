package dev.r1j.distill.logit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class GeneralizedJsdTest {

    private static final double[] T = logs(0.5, 0.5);
    private static final double[] S = logs(0.9, 0.1);

    private static double[] logs(double... p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.log(p[i]);
        }
        return out;
    }

    @Test
    void theEndsAreForwardAndReverseKl() {
        // KL(T || S) = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1) = 0.5108256
        assertEquals(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), GeneralizedJsd.FORWARD_KL.value(T, S), 1e-12);
        assertEquals(0.5108256237659907, GeneralizedJsd.FORWARD_KL.value(T, S), 1e-12);
        // KL(S || T) = 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5) = 0.3680642
        assertEquals(0.3680642071684971, GeneralizedJsd.REVERSE_KL.value(T, S), 1e-12);
    }

    @Test
    void theMiddleIsTheJensenShannonDivergence() {
        // beta 0.5: M = (0.7, 0.3); JSD = 0.5 KL(T||M) + 0.5 KL(S||M).
        double klTM = 0.5 * Math.log(0.5 / 0.7) + 0.5 * Math.log(0.5 / 0.3);
        double klSM = 0.9 * Math.log(0.9 / 0.7) + 0.1 * Math.log(0.1 / 0.3);
        assertEquals(0.5 * klTM + 0.5 * klSM, new GeneralizedJsd(0.5).value(T, S), 1e-12);
        assertEquals(0.0, new GeneralizedJsd(0.3).value(S, S), 1e-15, "identical distributions do not diverge");
        assertTrue(new GeneralizedJsd(0.5).value(T, S) <= Math.log(2), "JSD is bounded by ln 2");
        assertThrows(IllegalArgumentException.class, () -> new GeneralizedJsd(1.5));
    }

    @Test
    void tensorsMatchTheScalarFormula() {
        double[][] teacher = {logs(0.5, 0.3, 0.2), logs(0.1, 0.1, 0.8)};
        double[][] student = {logs(0.2, 0.2, 0.6), logs(0.3, 0.4, 0.3)};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] t = new float[6];
            float[] s = new float[6];
            for (int i = 0; i < 2; i++) {
                for (int v = 0; v < 3; v++) {
                    t[i * 3 + v] = (float) teacher[i][v];
                    s[i * 3 + v] = (float) student[i][v];
                }
            }
            for (double beta : new double[] {0, 0.1, 0.5, 0.9, 1}) {
                GeneralizedJsd d = new GeneralizedJsd(beta);
                float[] got = d.apply(m.create(t, new Shape(1, 2, 3)), m.create(s, new Shape(1, 2, 3))).toFloatArray();
                for (int i = 0; i < 2; i++) {
                    assertEquals(d.value(teacher[i], student[i]), got[i], 1e-6, "beta " + beta + " position " + i);
                }
            }
        }
    }
}
