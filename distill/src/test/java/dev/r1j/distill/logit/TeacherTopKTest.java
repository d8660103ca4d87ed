package dev.r1j.distill.logit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rl.model.Engines;
import org.junit.jupiter.api.Test;

/** The k + 1 buckets of top-k distillation against values worked out by hand. */
class TeacherTopKTest {

    private static float[] log(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    @Test
    void bucketsAndDivergencesMatchTheHandComputedValues() {
        Engines.gradMode(false);
        try (NDManager m = NDManager.newBaseManager()) {
            // Teacher (0.15, 0.5, 0.05, 0.3), k = 2: tokens 1 and 3, buckets (0.5, 0.3 | tail 0.2).
            // Student (0.1, 0.2, 0.3, 0.4) over them: (0.2, 0.4 | tail 0.4).
            NDArray teacher = m.create(log(0.15, 0.5, 0.05, 0.3), new Shape(1, 4));
            NDArray student = m.create(log(0.1, 0.2, 0.3, 0.4), new Shape(1, 4));
            NDList t = TeacherTopK.teacher(teacher, 2);
            long[] ids = t.get(1).toLongArray();
            float[] tb = t.get(0).exp().toFloatArray();
            // topK is asked for unsorted output: the bucket order follows the ids.
            assertEquals(java.util.Set.of(1L, 3L), java.util.Set.of(ids[0], ids[1]));
            assertEquals(ids[0] == 1 ? 0.5f : 0.3f, tb[0], 1e-6f);
            assertEquals(0.2f, tb[2], 1e-6f, "teacher tail");
            float[] sb = TeacherTopK.student(student, t.get(1)).exp().toFloatArray();
            assertEquals(ids[0] == 1 ? 0.2f : 0.4f, sb[0], 1e-6f);
            assertEquals(0.4f, sb[2], 1e-6f, "student tail");
            NDArray sBuckets = TeacherTopK.student(student, t.get(1));
            // Forward KL = 0.5 ln(0.5/0.2) + 0.3 ln(0.3/0.4) + 0.2 ln(0.2/0.4)
            //            = 0.4581454 - 0.0863046 - 0.1386294 = 0.2332113
            assertEquals(0.2332113, GeneralizedJsd.FORWARD_KL.apply(t.get(0), sBuckets).getFloat(), 1e-6);
            // Reverse KL = 0.2 ln(0.2/0.5) + 0.4 ln(0.4/0.3) + 0.4 ln(0.4/0.2)
            //            = -0.1832581 + 0.1150728 + 0.2772589 = 0.2090736
            assertEquals(0.2090736, GeneralizedJsd.REVERSE_KL.apply(t.get(0), sBuckets).getFloat(), 1e-6);
            // The JSD over buckets is the scalar definition applied to the bucket distributions.
            double[] tl = {Math.log(0.5), Math.log(0.3), Math.log(0.2)};
            double[] sl = {Math.log(0.2), Math.log(0.4), Math.log(0.4)};
            NDArray tOrdered = m.create(new float[] {(float) tl[0], (float) tl[1], (float) tl[2]}, new Shape(1, 3));
            NDArray sOrdered = m.create(new float[] {(float) sl[0], (float) sl[1], (float) sl[2]}, new Shape(1, 3));
            GeneralizedJsd half = new GeneralizedJsd(0.5);
            assertEquals(half.value(tl, sl), half.apply(tOrdered, sOrdered).getFloat(), 1e-6);
            assertEquals(half.value(tl, sl), half.apply(t.get(0), sBuckets).getFloat(), 1e-6);
        }
    }

    @Test
    void aTailWithNoMassLeftIsFloored() {
        Engines.gradMode(false);
        try (NDManager m = NDManager.newBaseManager()) {
            // All the mass on two tokens: the tail bucket is 1e-30, not NaN.
            NDArray teacher = m.create(new float[] {0f, Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY}, new Shape(1, 4))
                    .sub(Math.log(2));
            float[] b = TeacherTopK.teacher(teacher, 2).get(0).toFloatArray();
            assertArrayEquals(new float[] {(float) -Math.log(2), (float) -Math.log(2), (float) Math.log(1e-30)}, b, 1e-4f);
        }
    }
}
