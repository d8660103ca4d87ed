package dev.r1j.rl.grpo;

/**
 * How far the rollout engine's log-probs are from the trainer's over a step's loss tokens, summed
 * micro-batch by micro-batch when the training pass computes the token weights itself: the k3 KL
 * estimate and the tokens whose weight hit {@code rollout_is_cap}.
 */
final class RolloutMismatch {

    private double klSum;
    private double capped;
    private double tokens;

    /** Adds one micro-batch: its k3 sum, its capped tokens and its loss tokens. */
    void add(double klSum, double capped, double tokens) {
        this.klSum += klSum;
        this.capped += capped;
        this.tokens += tokens;
    }

    /** Mean k3 estimate a loss token. */
    double meanKl() {
        return klSum / Math.max(1, tokens);
    }

    /** Share of loss tokens whose weight was capped. */
    double cappedShare() {
        return capped / Math.max(1, tokens);
    }
}
