package dev.r1j.rewards.math.internal;

/**
 * The time one verdict may take. Work loops call {@link #tick()}; once the deadline has passed the
 * next check throws {@link BudgetExceededException}, which the verifier turns into a "not equal"
 * verdict. The clock is read only every few ticks so that checking stays cheap. Not thread-safe: one
 * budget belongs to one verdict.
 */
public final class Budget {

    private static final int CHECK_EVERY_MASK = 15;

    private final long deadlineNanos;
    private int ticks;

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
        if ((++ticks & CHECK_EVERY_MASK) == 0) {
            checkNow();
        }
    }

    /** Reads the clock now and throws if the deadline has passed. */
    public void checkNow() {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BudgetExceededException();
        }
    }
}
