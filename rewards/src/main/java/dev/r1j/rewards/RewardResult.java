package dev.r1j.rewards;

import java.util.Map;
import java.util.Objects;

/**
 * The verdict of a {@link Reward} on one completion.
 *
 * @param score      the scalar reward used for learning (usually in [0, 1], shaping may go negative)
 * @param correct    whether the completion solved the problem (for accuracy metrics)
 * @param extracted  what the verifier extracted and judged (an answer, an expression, a program), or
 *                   empty when nothing could be extracted
 * @param reason     a short human-readable explanation for logs ("no \boxed{} or answer tag", ...)
 * @param components the value of each named component when rewards are composed (name to value),
 *                   empty for a leaf reward; immutable, iteration order preserved
 */
public record RewardResult(double score, boolean correct, String extracted, String reason,
                           Map<String, Double> components) {

    public RewardResult {
        Objects.requireNonNull(extracted, "extracted");
        Objects.requireNonNull(reason, "reason");
        if (Double.isNaN(score) || Double.isInfinite(score)) {
            throw new IllegalArgumentException("score must be finite, was " + score + " (" + reason + ")");
        }
        components = components == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(components));
    }

    /** A leaf verdict without components. */
    public RewardResult(double score, boolean correct, String extracted, String reason) {
        this(score, correct, extracted, reason, Map.of());
    }

    /** Full credit. */
    public static RewardResult correct(String extracted, String reason) {
        return new RewardResult(1.0, true, extracted, reason);
    }

    /** No credit. */
    public static RewardResult wrong(String extracted, String reason) {
        return new RewardResult(0.0, false, extracted, reason);
    }
}
