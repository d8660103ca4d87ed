package dev.r1j.rl.grpo;

import ai.djl.ndarray.NDArray;

/**
 * The policy-gradient term of the GRPO loss: which probability ratio is clipped, and how. Every
 * variant is written per completion token (so {@link LossAggregation} and the rollout correction
 * apply to all alike) and all three equal the plain policy gradient {@code -A log pi} while the
 * policy is still the sampling policy (ratio 1: the first pass over a batch, and every pass with
 * {@code iterations} 1). They differ once {@code iterations} > 1 moves the policy away from it.
 *
 * <p>With {@code r_t = exp(log pi(t) - log pi_old(t))} and the clip range {@code [1 - epsilon_low,
 * 1 + epsilon_high]}:
 */
public enum PolicyLoss {
    /**
     * PPO's clipped surrogate on each token's ratio (Schulman et al. 2017), as GRPO uses it:
     * {@code -min(r_t A, clip(r_t) A)}. A token whose ratio left the range on the side its advantage
     * pushes gets no gradient. See {@link ClippedSurrogate}.
     */
    PPO_CLIP,
    /**
     * GSPO (Zheng et al. 2025, "Group Sequence Policy Optimization"): one ratio per completion, the
     * geometric mean of its tokens' ratios, {@code s_i = exp(mean_t (log pi(t) - log pi_old(t)))},
     * clipped as PPO clips a token's; in its token form every token of completion i has the value
     * {@code s_i} and the gradient {@code s_i grad log pi(t)}: {@code -min(s_i A, clip(s_i) A)} with
     * {@code s_i} detached in all but {@code log pi(t)}. A whole completion is kept or dropped, and
     * one unlikely token cannot move the ratio of the rest. The paper's clip range is much narrower
     * than PPO's ({@code epsilon_low} 3e-4, {@code epsilon_high} 4e-4), since a mean of log-ratios
     * moves far less than one; its aggregation is {@link LossAggregation#SEQUENCE_MEAN}. Costs one
     * forward pass without gradients per pass after the first (the current policy's log-probs of
     * the batch, for {@code s_i}).
     */
    GSPO,
    /**
     * CISPO (MiniMax 2025, "MiniMax-M1"): the importance weight is clipped and detached, never the
     * gradient: {@code -sg(clip(r_t)) A log pi(t)}. Every token keeps a gradient, scaled by at most
     * {@code 1 + epsilon_high}; PPO instead drops tokens whose ratio left the range, which are often
     * the rare tokens that open a reflection ("wait", "check"). MiniMax sets no lower bound
     * ({@code epsilon_low} near 1) and tunes only the upper one.
     */
    CISPO;

    /**
     * The loss of one token, for tests and for reading the formulas.
     *
     * @param logProb          log pi(t) under the current policy
     * @param oldLogProb       log pi_old(t) under the sampling policy
     * @param advantage        the completion's advantage
     * @param sequenceLogRatio {@code log s_i} of the token's completion (GSPO only; see
     *                         {@link #sequenceLogRatios})
     */
    public double value(ClippedSurrogate clip, double logProb, double oldLogProb, double advantage,
                        double sequenceLogRatio) {
        return switch (this) {
            case PPO_CLIP -> clip.value(logProb, oldLogProb, advantage);
            case GSPO -> clip.value(sequenceLogRatio, 0, advantage);
            case CISPO -> -clip.clip(Math.exp(logProb - oldLogProb)) * advantage * logProb;
        };
    }

    /**
     * Per-token losses, differentiable in {@code logProbs}.
     *
     * @param logProbs          [C] log-probabilities of the sampled tokens under the current policy
     * @param oldLogProbs       [C] the same under the sampling policy (constant)
     * @param advantages        [C] each token's completion advantage
     * @param sequenceLogRatios [C] each token's completion's {@code log s_i}, detached (GSPO; ignored
     *                          by the others, which may pass null)
     * @return [C]
     */
    public NDArray apply(ClippedSurrogate clip, NDArray logProbs, NDArray oldLogProbs, NDArray advantages,
                         NDArray sequenceLogRatios) {
        return switch (this) {
            case PPO_CLIP -> clip.apply(logProbs, oldLogProbs, advantages);
            // exp(logp - sg(logp) + log s_i): the value s_i, the gradient s_i * d logp.
            case GSPO -> clip.apply(logProbs, logProbs.stopGradient().sub(sequenceLogRatios), advantages);
            case CISPO -> logProbs.sub(oldLogProbs).exp().stopGradient()                              // [C]
                    .clip(1 - clip.epsilonLow(), 1 + clip.epsilonHigh())
                    .mul(advantages).mul(logProbs).neg();
        };
    }

    /** Whether the loss needs each completion's {@code log s_i} under the current policy. */
    public boolean needsSequenceRatios() {
        return this == GSPO;
    }

    /**
     * Shares of loss tokens whose ratio was clipped, as {low, high}. For PPO_CLIP and GSPO (whose
     * ratio is each token's completion's {@code s_i}) the clips that removed the gradient, as
     * {@link ClippedSurrogate#clipFractions} counts them; for CISPO every weight held at the floor
     * or the ceiling, whatever the advantage's sign, since there clipping caps a weight and never
     * removes a gradient.
     *
     * @param ratios     per-token ratios, as the loss saw them
     * @param advantages per-token advantages
     * @param mask       1 for loss tokens
     */
    public double[] clipFractions(ClippedSurrogate clip, float[] ratios, float[] advantages, float[] mask) {
        return clip.clipFractions(ratios, advantages, mask, this != CISPO);
    }

    /**
     * GSPO's {@code log s_i} per completion: the mean of {@code log pi - log pi_old} over the tokens of
     * the completion that are in the loss; 0 for a completion with none.
     *
     * @param current       [N][T_i] log-probabilities under the current policy, indexed as the trainer's:
     *                      position j scores token j + 1
     * @param old           [N][T_i] the same under the sampling policy
     * @param promptLengths [N] prompt tokens of each sequence (its completion starts there)
     * @param ids           [N] each sequence's tokens, prompt and completion
     * @param inLoss        [N] whether a sequence is in the loss at all (overlong filtering)
     * @return [N]
     */
    public static double[] sequenceLogRatios(float[][] current, float[][] old, int[] promptLengths, int[][] ids,
                                             boolean[] inLoss) {
        double[] out = new double[current.length];
        for (int i = 0; i < current.length; i++) {
            if (!inLoss[i]) {
                continue;
            }
            double sum = 0;
            int n = 0;
            for (int j = Math.max(0, promptLengths[i] - 1); j < ids[i].length - 1; j++) {
                sum += current[i][j] - old[i][j];
                n++;
            }
            out[i] = n == 0 ? 0 : sum / n;
        }
        return out;
    }
}
