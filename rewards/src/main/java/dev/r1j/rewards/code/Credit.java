package dev.r1j.rewards.code;

/** How test results become a score. */
public enum Credit {
    /** 1 when every test passes, else 0. */
    ALL_OR_NOTHING,
    /** The fraction of stdin/stdout tests passed (HumanEval-style checks are one test). */
    FRACTION_OF_TESTS
}
