package dev.r1j.rl.grpo;

/**
 * What one optimisation pass over a GRPO batch adds up, micro-batch by micro-batch: the loss, and token
 * sums (over loss tokens) of entropy, KL to the reference and the clipped-low and clipped-high token
 * counts, with the number of loss tokens they are divided by.
 */
final class PassStatistics {

    private double loss;
    private double entropy;
    private double kl;
    private double clippedLow;
    private double clippedHigh;
    private double tokens;

    /** Adds a micro-batch's share of the batch loss. */
    void addLoss(double value) {
        loss += value;
    }

    /** Adds the entropy summed over a micro-batch's loss tokens. */
    void addEntropy(double sum) {
        entropy += sum;
    }

    /** Adds the KL estimate summed over a micro-batch's loss tokens. */
    void addKl(double sum) {
        kl += sum;
    }

    /** Adds a micro-batch's loss tokens clipped at the low and at the high end of the ratio's range. */
    void addClipped(double low, double high) {
        clippedLow += low;
        clippedHigh += high;
    }

    /** Adds a micro-batch's loss-token count. */
    void addTokens(double count) {
        tokens += count;
    }

    /** The batch loss of the pass. */
    double loss() {
        return loss;
    }

    /** The number of loss tokens, at least 1 (the divisor of the means). */
    double divisor() {
        return Math.max(1, tokens);
    }

    /** Mean entropy a loss token. */
    double meanEntropy() {
        return entropy / divisor();
    }

    /** Mean KL estimate a loss token. */
    double meanKl() {
        return kl / divisor();
    }

    /** Share of loss tokens clipped at the low end. */
    double clipLowFraction() {
        return clippedLow / divisor();
    }

    /** Share of loss tokens clipped at the high end. */
    double clipHighFraction() {
        return clippedHigh / divisor();
    }
}
