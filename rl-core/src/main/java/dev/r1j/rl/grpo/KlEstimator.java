package dev.r1j.rl.grpo;

import dev.r1j.rl.model.Engines;
import ai.djl.ndarray.NDArray;

/**
 * Per-token estimators of KL(policy || reference) from the log-probabilities of the sampled tokens
 * (Schulman 2020, "Approximating KL Divergence"). With {@code d = log p_ref - log p_policy}:
 */
public enum KlEstimator {
    /** {@code -d}: unbiased, high variance, can be negative. */
    K1,
    /** {@code d^2 / 2}: biased, low variance, never negative. */
    K2,
    /** {@code exp(d) - d - 1}: unbiased and never negative (GRPO, Shao et al. 2024, uses this). */
    K3;

    /** The estimate for one token. */
    public double value(double policyLogProb, double referenceLogProb) {
        double d = referenceLogProb - policyLogProb;
        return switch (this) {
            case K1 -> -d;
            case K2 -> 0.5 * d * d;
            case K3 -> Math.exp(d) - d - 1;
        };
    }

    /**
     * The estimate for every token, differentiable in {@code policyLogProbs}.
     *
     * @param policyLogProbs    [N, T]
     * @param referenceLogProbs [N, T], constant
     * @return [N, T]
     */
    public NDArray apply(NDArray policyLogProbs, NDArray referenceLogProbs) {
        NDArray d = referenceLogProbs.sub(policyLogProbs);
        return switch (this) {
            case K1 -> d.neg();
            case K2 -> {
                NDArray sq = d.square();
                yield sq.mul(Engines.scalarLike(sq, 0.5));
            }
            case K3 -> d.exp().sub(d).sub(1);
        };
    }
}
