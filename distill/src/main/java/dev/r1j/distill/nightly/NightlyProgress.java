package dev.r1j.distill.nightly;

import dev.r1j.rl.run.ProgressListener;

/**
 * What {@link NightlyJob} tells whoever watches it: the stages as they start and end, and, through
 * {@link ProgressListener}, the steps of the long ones (traces, training, evaluation).
 */
public interface NightlyProgress extends ProgressListener {

    /** {@code stage} starts (it was not finished by an earlier run of the night). */
    default void stageStarted(Stage stage) {}

    /**
     * {@code stage} is recorded in the manifest as finished ({@link StageOutcome#SKIPPED} when it had
     * nothing to do, as the export of a student the gate refused), or was found finished by an earlier
     * run ({@link StageOutcome#REUSED}).
     */
    default void stageFinished(Stage stage, StageOutcome outcome, String summary) {}

    /** A listener that ignores everything. */
    static NightlyProgress silent() {
        return new NightlyProgress() {};
    }
}
