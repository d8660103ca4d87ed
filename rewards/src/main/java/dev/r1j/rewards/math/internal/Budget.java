package dev.r1j.rewards.math.internal;

/**
 * The work one verdict may do, counted in operations rather than read from a clock, so that the
 * same inputs get the same verdict on an idle machine and on a loaded one. Work loops call
 * {@link #tick()} for each unit of bounded work (a token, a tree node evaluated, a point tried);
 * big-number arithmetic charges by operand size. Once the count passes the limit the next tick
 * throws {@link BudgetExceededException}, which the verifier turns into a "not equal" verdict.
 * Not thread-safe: one budget belongs to one verdict.
 */
public final class Budget {

    private final long limit;
    private long used;

    private Budget(long limit) {
        this.limit = limit;
    }

    /** A budget of {@code operations} units of work. */
    public static Budget ofOperations(long operations) {
        return new Budget(operations);
    }

    /** Counts one unit of work and throws once the limit has been passed. */
    public void tick() {
        tick(1);
    }

    /** Counts {@code units} of work (at least one) and throws once the limit has been passed. */
    public void tick(long units) {
        used += Math.max(1, units);
        if (used > limit) {
            throw new BudgetExceededException();
        }
    }

    /** Operations counted so far. */
    public long used() {
        return used;
    }

    /** The limit this budget was created with. */
    public long limit() {
        return limit;
    }
}
