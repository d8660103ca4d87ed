package dev.r1j.rl.optim;

import ai.djl.ndarray.NDArray;
import dev.r1j.rl.model.Engines;
import java.util.List;

/** Clipping by the global norm of all gradients together (DJL's engine clips element-wise only). */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Scales {@code gradients} in place so that their global L2 norm is at most {@code maxNorm}, and
     * returns the norm before clipping. A non-finite norm is returned as is and nothing is scaled: the
     * caller decides (a NaN guard stops training rather than hiding it).
     */
    public static double clipByGlobalNorm(List<NDArray> gradients, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max norm must be positive, was " + maxNorm);
        }
        boolean grad = Engines.gradMode(false);
        try {
            double sumSquares = 0;
            for (NDArray g : gradients) {
                try (NDArray sq = g.square(); NDArray s = sq.sum()) {
                    sumSquares += s.getFloat();
                }
            }
            double norm = Math.sqrt(sumSquares);
            if (Double.isFinite(norm) && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (NDArray g : gradients) {
                    g.muli(scale);
                }
            }
            return norm;
        } finally {
            Engines.gradMode(grad);
        }
    }
}
