package dev.r1j.rewards.math;

/**
 * How a value written with a percent sign compares with one written without. Two percentages are
 * always compared by their numbers ({@code 50\%} equals {@code 50.0\%}).
 */
public enum PercentPolicy {
    /**
     * The default, as lenient as the reference Python verifier: {@code 50\%} equals both {@code 50}
     * and {@code 0.5}, in either direction (gold or prediction may carry the sign).
     */
    EITHER,
    /** {@code 50\%} equals {@code 50} only: the sign is a unit, dropped before comparing. */
    AS_NUMBER,
    /** {@code 50\%} equals {@code 0.5} only: the sign means "divided by 100". */
    AS_FRACTION
}
