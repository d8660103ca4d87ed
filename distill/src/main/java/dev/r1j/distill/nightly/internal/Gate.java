package dev.r1j.distill.nightly.internal;

import dev.r1j.distill.nightly.NightlyResult.PassAt1;
import dev.r1j.rl.eval.Estimators;

/**
 * The regression gate. For each held-out problem i, with k completions per model, let
 * {@code d_i = new_i / k - old_i / k}. The new student passes when the lower end of the 95%
 * percentile bootstrap interval of {@code mean(d)} (problems resampled with replacement, the two
 * models' results kept paired) lies strictly above {@code minImprovement}.
 */
public final class Gate {

    /**
     * @param publish            whether the new student passes
     * @param candidate          its pass@1 with the Wilson interval over completions
     * @param baseline           the same for what it is compared with
     * @param difference         mean over problems of the difference in pass@1
     * @param differenceInterval the 95% paired-bootstrap interval of {@code difference}
     * @param reason             one sentence with the figures
     */
    public record Decision(boolean publish, PassAt1 candidate, PassAt1 baseline, double difference,
                           Estimators.Interval differenceInterval, String reason) {}

    private Gate() {}

    /**
     * @param candidate   correct completions of the new student per problem
     * @param baseline    those of the published student (or the student base) on the same problems and seeds
     * @param baselineName how the reason names the baseline
     */
    public static Decision decide(int[] candidate, int[] baseline, int k, double minImprovement, int resamples, long seed,
                                  String baselineName) {
        if (candidate.length != baseline.length || candidate.length == 0) {
            throw new IllegalArgumentException("need the same, non-zero number of problems, were " + candidate.length
                    + " and " + baseline.length);
        }
        int n = candidate.length;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = (candidate[i] - baseline[i]) / (double) k;
        }
        double diff = 0;
        for (double x : d) {
            diff += x;
        }
        diff /= n;
        Estimators.Interval ci = Estimators.bootstrapMean(d, resamples, seed);
        PassAt1 c = passAt1(candidate, k);
        PassAt1 b = passAt1(baseline, k);
        boolean publish = ci.low() > minImprovement;
        String reason = String.format(java.util.Locale.ROOT,
                "new student pass@1 %.1f%% [%.1f, %.1f] vs %s %.1f%% [%.1f, %.1f] on %d problems x %d: difference %+.1f points, "
                        + "95%% paired-bootstrap interval [%+.1f, %+.1f] %s above the threshold %+.1f",
                100 * c.value(), 100 * c.interval().low(), 100 * c.interval().high(), baselineName, 100 * b.value(),
                100 * b.interval().low(), 100 * b.interval().high(), n, k, 100 * diff, 100 * ci.low(), 100 * ci.high(),
                publish ? "lies" : "does not lie", 100 * minImprovement);
        return new Decision(publish, c, b, diff, ci, reason);
    }

    /** pass@1 over all completions, with the Wilson interval. */
    public static PassAt1 passAt1(int[] counts, int k) {
        long right = 0;
        for (int c : counts) {
            right += c;
        }
        long samples = (long) counts.length * k;
        return new PassAt1((double) right / samples, Estimators.wilson(right, samples, Estimators.Z95), counts.length, k);
    }
}
