package dev.r1j.rewards.math.internal;

/** Thrown inside the verifier when a verdict has used up its operation budget; never escapes the public API. */
public final class BudgetExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BudgetExceededException() {
        super("operation budget exceeded", null, false, false);
    }
}
