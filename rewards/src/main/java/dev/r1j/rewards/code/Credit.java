package dev.r1j.rewards.code;

/** How a program's test results become a score. */
public enum Credit {
    /** 1 when every test passes, else 0; stops at the first failing test. */
    ALL_OR_NOTHING,
    /**
     * The fraction of stdin/stdout tests passed (all are run). HumanEval-style problems have a single
     * test program, so they score 0 or 1 either way.
     */
    FRACTION_OF_TESTS
}
