package dev.r1j.rl.train;

/** Where the checking solutions of a {@link PretrainCorpus} slip, and what its {@code slipShare} counts. */
public enum SlipPlan {
    /**
     * A share {@code slipShare} of the checking solutions slip once, at one step; the step is redone
     * and checked again ({@link dev.r1j.rewards.tasks.SelfCheckingSolution#withSlip}).
     */
    ONE,
    /**
     * Every step of every checking solution slips on its own with probability {@code slipShare}; a
     * slipped step is written again with the result its failing check computed, without a second check
     * ({@link dev.r1j.rewards.tasks.SelfCheckingSolution#withSlips}). At a share near one half, passing
     * and failing checks are about as common, so a check's result cannot be learned by copying the
     * step's.
     */
    EACH_STEP
}
