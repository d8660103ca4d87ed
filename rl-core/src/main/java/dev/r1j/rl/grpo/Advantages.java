package dev.r1j.rl.grpo;

/**
 * Group-relative advantages: each completion's reward minus the mean reward of its prompt's group,
 * optionally scaled. No value network: the group is the baseline (GRPO, Shao et al. 2024).
 */
public final class Advantages {

    /** Added to a standard deviation before dividing, so a group whose rewards agree gets advantage 0, not NaN. */
    public static final double EPSILON = 1e-4;

    private Advantages() {}

    /**
     * @param rewards   [groups * groupSize], a group's completions adjacent
     * @param groupSize completions per prompt (>= 2)
     * @return one advantage per completion, in the same order
     */
    public static double[] compute(double[] rewards, int groupSize, AdvantageScaling scaling) {
        if (groupSize < 2) {
            throw new IllegalArgumentException("a group needs at least 2 completions, was " + groupSize);
        }
        if (rewards.length % groupSize != 0) {
            throw new IllegalArgumentException(rewards.length + " rewards do not split into groups of " + groupSize);
        }
        double[] adv = new double[rewards.length];
        double batchStd = scaling == AdvantageScaling.BATCH_STD ? std(rewards, 0, rewards.length) : 1;
        for (int g = 0; g < rewards.length; g += groupSize) {
            double mean = mean(rewards, g, groupSize);
            double scale = switch (scaling) {
                case GROUP_STD -> std(rewards, g, groupSize) + EPSILON;
                case BATCH_STD -> batchStd + EPSILON;
                case NONE -> 1;
            };
            for (int i = g; i < g + groupSize; i++) {
                adv[i] = (rewards[i] - mean) / scale;
            }
        }
        return adv;
    }

    /** Whether every completion of group {@code g} got the same reward: such a group teaches nothing. */
    public static boolean zeroSpread(double[] rewards, int groupSize, int g) {
        for (int i = g * groupSize + 1; i < (g + 1) * groupSize; i++) {
            if (rewards[i] != rewards[g * groupSize]) {
                return false;
            }
        }
        return true;
    }

    private static double mean(double[] v, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += v[i];
        }
        return s / n;
    }

    /** Sample standard deviation (n - 1 in the denominator), as torch.std computes it. */
    private static double std(double[] v, int from, int n) {
        if (n < 2) {
            return 0;
        }
        double m = mean(v, from, n);
        double ss = 0;
        for (int i = from; i < from + n; i++) {
            ss += (v[i] - m) * (v[i] - m);
        }
        return Math.sqrt(ss / (n - 1));
    }
}
