package dev.r1j.rewards;

/** The family of a {@link Problem}, which decides how its answers are verified. */
public enum TaskKind {
    /** A math answer (number, expression, set, interval, ...) compared for mathematical equivalence. */
    MATH,
    /** A Countdown puzzle: combine the given numbers, each at most once, to reach the target exactly. */
    COUNTDOWN,
    /** A program checked by executing tests in a sandbox. */
    CODE
}
