package dev.r1j.distill.nightly;

import java.util.Locale;

/** How a stage of a night ended, as {@link NightlyProgress#stageFinished} reports it. */
public enum StageOutcome {
    /** It ran to the end in this run; its outputs are recorded in the manifest. */
    DONE,
    /** It had nothing to do (the export of a student the gate refused); recorded as skipped. */
    SKIPPED,
    /** An earlier run of the night had finished it; its recorded outputs were verified and kept. */
    REUSED;

    /** The word for logs and the manifest: lower case. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
