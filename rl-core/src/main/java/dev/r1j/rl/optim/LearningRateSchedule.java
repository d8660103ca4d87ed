package dev.r1j.rl.optim;

/**
 * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then cosine decay to {@code minimum}
 * at {@code totalSteps} (and {@code minimum} after it). Steps count from 0.
 *
 * @param peak        the learning rate at the end of warm-up (> 0)
 * @param minimum     the floor of the decay (0 <= minimum <= peak); often peak / 10
 * @param warmupSteps steps of linear warm-up (>= 0)
 * @param totalSteps  the step at which the decay reaches {@code minimum} (> warmupSteps)
 */
public record LearningRateSchedule(double peak, double minimum, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (!(peak > 0) || !(minimum >= 0) || minimum > peak) {
            throw new IllegalArgumentException("need 0 <= minimum <= peak and peak > 0, were " + minimum + " and " + peak);
        }
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps < totalSteps, were " + warmupSteps + " and " + totalSteps);
        }
    }

    /** A constant rate. */
    public static LearningRateSchedule constant(double rate) {
        return new LearningRateSchedule(rate, rate, 0, 1);
    }

    /** The learning rate of step {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (step >= totalSteps) {
            return minimum;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minimum + 0.5 * (peak - minimum) * (1 + Math.cos(Math.PI * progress));
    }
}
