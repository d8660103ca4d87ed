package dev.r1j.distill.traces;

/** Which of a problem's verified completions become traces (rejection sampling keeps only correct ones). */
public enum TraceSelection {
    /** One trace a problem: the correct completion the teacher was most sure of (highest mean token log-probability). */
    BEST_OF_N,
    /** Every distinct correct completion, up to the cap per problem. */
    ALL_CORRECT
}
