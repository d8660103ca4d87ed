package dev.r1j.rewards.math.internal;

/**
 * The time one verdict may take. Work loops call {@link #tick()}; once the deadline has passed the
 * next check throws {@link BudgetExceededException}, which the verifier turns into a "not equal"
 * verdict. The clock is read only every few ticks so that checking stays cheap, and only after a
 * minimum amount of work: every tick does bounded work, so a small comparison that overruns was
 * held up by class loading or a garbage-collection pause, and must not get a different verdict
 * for that. Not thread-safe: one budget belongs to one verdict.
 */
public final class Budget {

    private static final long CHECK_INTERVAL = 16;
    /** Work below this many ticks is never cut short (well under a millisecond once warm). */
    private static final long MIN_TICKS_BEFORE_DEADLINE = 4096;

    private final long deadlineNanos;
    private long ticks;
    private long nextCheck = CHECK_INTERVAL;

    private Budget(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A budget that ends {@code nanos} nanoseconds from now. */
    public static Budget ofNanos(long nanos) {
        long now = System.nanoTime();
        long deadline = nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
        return new Budget(deadline);
    }

    /** Counts one unit of work and throws once the deadline has passed. */
    public void tick() {
        tick(1);
    }

    /**
     * Counts {@code units} of work (big-number arithmetic charges by size) and throws once the
     * deadline has passed. Over-charging is harmless: it only makes the clock be read sooner.
     */
    public void tick(long units) {
        ticks += Math.max(1, units);
        if (ticks >= nextCheck) {
            nextCheck = ticks + CHECK_INTERVAL;
            if (ticks >= MIN_TICKS_BEFORE_DEADLINE) {
                checkNow();
            }
        }
    }

    /** Reads the clock now and throws if the deadline has passed. */
    public void checkNow() {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BudgetExceededException();
        }
    }
}
