package dev.r1j.rl.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The statistics of evaluation: pass@k, and 95% intervals for proportions and means. */
public final class Estimators {

    /** A two-sided interval. */
    public record Interval(double low, double high) {
        public boolean contains(double x) {
            return x >= low && x <= high;
        }
    }

    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    private Estimators() {}

    /**
     * The unbiased pass@k estimate for one problem with {@code n} samples of which {@code c} are
     * correct (Chen et al., 2021): {@code 1 - C(n-c, k) / C(n, k)}, computed as a product to avoid
     * overflow.
     */
    public static double passAtK(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
            throw new IllegalArgumentException("need 1 <= k <= n and 0 <= c <= n, were n=" + n + " c=" + c + " k=" + k);
        }
        if (n - c < k) {
            return 1.0;
        }
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) {
            allWrong *= 1.0 - (double) k / i;
        }
        return 1.0 - allWrong;
    }

    /** Wilson score interval for {@code successes} of {@code trials} at confidence z. */
    public static Interval wilson(long successes, long trials, double z) {
        if (trials <= 0) {
            return new Interval(0, 1);
        }
        double p = (double) successes / trials;
        double z2 = z * z;
        double denom = 1 + z2 / trials;
        double centre = (p + z2 / (2.0 * trials)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / denom;
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * Percentile bootstrap interval (95%) of the mean of {@code values}, resampling {@code resamples}
     * times with a seeded generator.
     */
    public static Interval bootstrapMean(double[] values, int resamples, long seed) {
        return bootstrap(values.length, i -> values[i], resamples, seed);
    }

    static Interval bootstrap(int n, java.util.function.IntToDoubleFunction value, int resamples, long seed) {
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += value.applyAsDouble(rng.nextInt(n));
            }
            means[r] = s / n;
        }
        Arrays.sort(means);
        return new Interval(means[(int) Math.floor(0.025 * (resamples - 1))], means[(int) Math.ceil(0.975 * (resamples - 1))]);
    }
}
