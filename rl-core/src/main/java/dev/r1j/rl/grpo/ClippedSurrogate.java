package dev.r1j.rl.grpo;

import ai.djl.ndarray.NDArray;

/**
 * The PPO clipped surrogate objective (Schulman et al. 2017) with separate lower and upper clip ranges
 * (DAPO's "clip-higher", Yu et al. 2025): per token,
 * {@code loss = -min(r * A, clip(r, 1 - epsLow, 1 + epsHigh) * A)} with {@code r = exp(logp - oldLogp)}.
 * A wider upper range lets unlikely tokens with positive advantage grow, which keeps entropy from
 * collapsing.
 *
 * @param epsilonLow  lower clip range (ratio floor is 1 - epsilonLow)
 * @param epsilonHigh upper clip range (ratio ceiling is 1 + epsilonHigh)
 */
public record ClippedSurrogate(double epsilonLow, double epsilonHigh) {

    public ClippedSurrogate {
        if (!(epsilonLow > 0 && epsilonLow < 1) || !(epsilonHigh > 0)) {
            throw new IllegalArgumentException("clip ranges must satisfy 0 < epsilon_low < 1 and epsilon_high > 0, were "
                    + epsilonLow + " and " + epsilonHigh);
        }
    }

    /** The loss for one token, for tests and for reading the formula. */
    public double value(double logProb, double oldLogProb, double advantage) {
        double r = Math.exp(logProb - oldLogProb);
        return -Math.min(r * advantage, clip(r) * advantage);
    }

    /** {@code ratio} held inside {@code [1 - epsilonLow, 1 + epsilonHigh]}. */
    public double clip(double ratio) {
        return Math.max(1 - epsilonLow, Math.min(1 + epsilonHigh, ratio));
    }

    /**
     * Per-token losses, differentiable in {@code logProbs}.
     *
     * @param logProbs    [N, T] log-probabilities of the sampled tokens under the current policy
     * @param oldLogProbs [N, T] the same under the policy that sampled them (constant)
     * @param advantages  [N, 1] one advantage per sequence, broadcast over its tokens
     * @return [N, T]
     */
    public NDArray apply(NDArray logProbs, NDArray oldLogProbs, NDArray advantages) {
        NDArray ratio = logProbs.sub(oldLogProbs).exp();                          // [N, T]
        NDArray unclipped = ratio.mul(advantages);                               // [N, T]
        NDArray clipped = ratio.clip(1 - epsilonLow, 1 + epsilonHigh).mul(advantages); // [N, T]
        return unclipped.minimum(clipped).neg();
    }

    /**
     * Shares of tokens whose ratio was clipped, as {low, high}: below the floor with a negative
     * advantage, above the ceiling with a positive one (where clipping removes the gradient).
     *
     * @param ratios     per-token probability ratios
     * @param advantages per-token advantages
     */
    public double[] clipFractions(float[] ratios, float[] advantages, float[] mask) {
        return clipFractions(ratios, advantages, mask, true);
    }

    /**
     * As {@link #clipFractions(float[], float[], float[])}; with {@code onlyRemovingGradient} false,
     * every ratio outside the range counts, whatever the advantage's sign (CISPO's capped weights).
     */
    public double[] clipFractions(float[] ratios, float[] advantages, float[] mask, boolean onlyRemovingGradient) {
        double low = 0;
        double high = 0;
        double n = 0;
        for (int i = 0; i < ratios.length; i++) {
            if (mask[i] == 0) {
                continue;
            }
            n++;
            if (ratios[i] < 1 - epsilonLow && (advantages[i] < 0 || !onlyRemovingGradient)) {
                low++;
            } else if (ratios[i] > 1 + epsilonHigh && (advantages[i] > 0 || !onlyRemovingGradient)) {
                high++;
            }
        }
        return n == 0 ? new double[] {0, 0} : new double[] {low / n, high / n};
    }
}
