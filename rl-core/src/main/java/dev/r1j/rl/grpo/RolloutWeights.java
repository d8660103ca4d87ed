package dev.r1j.rl.grpo;

import java.util.List;

/**
 * A batch's rollout importance weights laid out as the trainer's log-probs are (entry j of a row is
 * target j, i.e. token j + 1), with the mismatch figures logged each step.
 *
 * @param weights     [B*G][T_i] the detached weight of each loss token's policy-gradient term
 * @param kl          mean k3 estimate of KL(engine || trainer) over loss tokens ({@code rollout_kl})
 * @param cappedShare share of loss tokens whose weight was truncated ({@code rollout_capped_share})
 */
record RolloutWeights(float[][] weights, double kl, double cappedShare) {

    /**
     * @param trainer       [B*G][T_i] the trainer's log-probs at the sampling temperature, filled where the loss reads
     * @param promptLengths [B*G] prompt tokens of each sequence
     * @param inLoss        [B*G] whether the sequence is in the loss
     * @param engine        [B*G] each completion's log-probs as its engine drew it
     */
    /**
     * The engine's log-probs laid out as the trainer's (entry j of a row is target j): [B*G][T_i], 0
     * outside the completion and for sequences out of the loss.
     *
     * @param ids [B*G] prompt + completion ids of each sequence
     */
    static float[][] byTarget(int[][] ids, int[] promptLengths, boolean[] inLoss, List<float[]> engine) {
        float[][] out = new float[ids.length][];
        for (int k = 0; k < ids.length; k++) {
            out[k] = new float[Math.max(1, ids[k].length - 1)];
            if (inLoss[k]) {
                float[] e = engine.get(k);
                System.arraycopy(e, 0, out[k], promptLengths[k] - 1, e.length);
            }
        }
        return out;
    }

    static RolloutWeights compute(RolloutCorrection correction, double cap, float[][] trainer, int[] promptLengths,
                                  boolean[] inLoss, List<float[]> engine) {
        float[][] w = new float[trainer.length][];
        double klSum = 0;
        long capped = 0;
        long tokens = 0;
        for (int k = 0; k < trainer.length; k++) {
            w[k] = new float[trainer[k].length];
            if (!inLoss[k]) {
                continue;
            }
            float[] e = engine.get(k);                                   // [L]
            int first = promptLengths[k] - 1;                            // target index of completion token 0
            float[] t = java.util.Arrays.copyOfRange(trainer[k], first, first + e.length); // [L]
            System.arraycopy(correction.weights(t, e, cap), 0, w[k], first, e.length);
            klSum += RolloutCorrection.klSum(t, e);
            capped += correction.capped(t, e, cap);
            tokens += e.length;
        }
        return new RolloutWeights(w, klSum / Math.max(1, tokens), (double) capped / Math.max(1, tokens));
    }
}
