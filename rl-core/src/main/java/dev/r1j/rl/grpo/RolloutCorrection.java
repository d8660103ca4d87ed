package dev.r1j.rl.grpo;

/**
 * Truncated importance sampling for the rollout engine's mismatch (Yao et al. 2025, "Your efficient RL
 * framework secretly brings you off-policy RL training"; verl's {@code rollout_is}): when the tokens were
 * drawn by an engine whose probabilities differ slightly from the trainer's, each token's
 * policy-gradient term is multiplied by the detached weight {@code pi_trainer / pi_engine}, capped at
 * {@code rollout_is_cap} so that a token the engine found unlikely cannot dominate the batch.
 *
 * <p>Both log-probabilities are of the same distribution: the sampling distribution
 * {@code softmax(logits / temperature)} before top-k/top-p/min-p truncation, which is how
 * {@link dev.r1j.rl.generate.Completion#logProbs()} is defined and how the trainer recomputes them for
 * this weight (the policy-gradient term itself keeps its temperature-1 log-probabilities).
 */
public enum RolloutCorrection {
    /** No correction: every weight is 1 (the DJL engine's default: it samples from the trainer's own arrays). */
    NONE,
    /** Per token: {@code min(exp(logp_trainer - logp_engine), cap)} (the ONNX Runtime engine's default). */
    TOKEN,
    /** Per sequence: {@code min(exp(sum over the completion of (logp_trainer - logp_engine)), cap)} on every token of it. */
    SEQUENCE;

    /**
     * The weights of one completion's tokens.
     *
     * @param trainer [T] the trainer's log-probs of the completion's tokens
     * @param engine  [T] the engine's log-probs of the same tokens
     * @param cap     the truncation, > 0
     * @return [T] the weights, each in (0, cap]; all 1 for {@link #NONE}
     */
    public float[] weights(float[] trainer, float[] engine, double cap) {
        if (trainer.length != engine.length) {
            throw new IllegalArgumentException("one engine log-prob per trainer log-prob: " + trainer.length + " vs "
                    + engine.length);
        }
        float[] w = new float[trainer.length];
        switch (this) {
            case NONE -> java.util.Arrays.fill(w, 1f);
            case TOKEN -> {
                for (int t = 0; t < w.length; t++) {
                    w[t] = (float) Math.min(Math.exp((double) trainer[t] - engine[t]), cap);
                }
            }
            case SEQUENCE -> {
                double sum = 0;
                for (int t = 0; t < w.length; t++) {
                    sum += (double) trainer[t] - engine[t];
                }
                java.util.Arrays.fill(w, (float) Math.min(Math.exp(sum), cap));
            }
        }
        return w;
    }

    /**
     * How many of one completion's tokens had their weight truncated: those whose uncapped weight
     * exceeds {@code cap} (for {@link #SEQUENCE}, all of them or none; for {@link #NONE}, none).
     */
    public int capped(float[] trainer, float[] engine, double cap) {
        int n = 0;
        switch (this) {
            case NONE -> { }
            case TOKEN -> {
                for (int t = 0; t < trainer.length; t++) {
                    n += (double) trainer[t] - engine[t] > Math.log(cap) ? 1 : 0;
                }
            }
            case SEQUENCE -> {
                double sum = 0;
                for (int t = 0; t < trainer.length; t++) {
                    sum += (double) trainer[t] - engine[t];
                }
                n = sum > Math.log(cap) ? trainer.length : 0;
            }
        }
        return n;
    }

    /**
     * Sum over tokens of the k3 estimate of KL(engine || trainer) from tokens the engine drew:
     * {@code exp(d) - d - 1} with {@code d = logp_trainer - logp_engine}; never negative, 0 exactly when
     * the two agree on a token. Divided by the loss tokens it is the logged {@code rollout_kl}.
     */
    public static double klSum(float[] trainer, float[] engine) {
        double s = 0;
        for (int t = 0; t < trainer.length; t++) {
            double d = (double) trainer[t] - engine[t];
            s += Math.expm1(d) - d;
        }
        return s;
    }
}
