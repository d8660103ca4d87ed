package dev.r1j.rewards.math.internal;

/**
 * A per-verdict allowance of time and work. Parsing and evaluation call {@link #check()} in their
 * loops; when the allowance is spent they stop with {@link Exceeded} and the verifier answers "not
 * equivalent (budget exceeded)" instead of hanging.
 */
public final class Budget {

    /** Thrown when the budget is spent; carries no stack trace (it is control flow). */
    public static final class Exceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exceeded(String what) {
            super(what, null, false, false);
        }
    }

    private final long deadline;
    private long steps;

    public Budget(long nanos) {
        this.deadline = System.nanoTime() + nanos;
    }

    /** Counts one unit of work; every 256 units, checks the clock. */
    public void check() {
        if ((++steps & 0xFF) == 0 && System.nanoTime() > deadline) {
            throw new Exceeded("time budget exceeded");
        }
    }
}
