package dev.r1j.rl.grpo;

/**
 * How per-token losses of a batch are summed into one number, expressed as one weight per token of
 * each sequence. Weights depend only on completion lengths, so a batch split into micro-batches gets
 * exactly the loss of the whole batch.
 */
public enum LossAggregation {
    /**
     * Mean over each sequence's tokens, then mean over sequences (GRPO, Shao et al. 2024). A token of a
     * long completion weighs less than one of a short completion: long wrong answers are punished
     * less per token, which Dr. GRPO shows lets length grow without need.
     */
    SEQUENCE_MEAN,
    /** Mean over all tokens of the batch (DAPO, Yu et al. 2025): every token weighs the same. */
    TOKEN_MEAN,
    /**
     * Sum over tokens divided by a constant, sequences x longest allowed completion (Dr. GRPO, Liu et
     * al. 2025): unbiased in length and independent of the batch's actual lengths.
     */
    CONSTANT;

    /**
     * The weight of each token of each sequence.
     *
     * @param lengths       tokens in the loss per sequence (completion tokens, after any masking)
     * @param maxNewTokens  the longest completion the sampler allows (used by {@link #CONSTANT})
     * @return one weight per sequence, applied to each of its tokens; a sequence with no tokens gets 0
     */
    public double[] tokenWeights(int[] lengths, int maxNewTokens) {
        int n = lengths.length;
        double[] w = new double[n];
        if (n == 0) {
            return w;
        }
        long total = 0;
        for (int len : lengths) {
            if (len < 0) {
                throw new IllegalArgumentException("a length must be >= 0, was " + len);
            }
            total += len;
        }
        for (int i = 0; i < n; i++) {
            if (lengths[i] == 0) {
                continue;
            }
            w[i] = switch (this) {
                case SEQUENCE_MEAN -> 1.0 / ((double) n * lengths[i]);
                case TOKEN_MEAN -> 1.0 / total;
                case CONSTANT -> 1.0 / ((double) n * maxNewTokens);
            };
        }
        return w;
    }
}
