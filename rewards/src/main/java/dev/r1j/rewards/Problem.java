package dev.r1j.rewards;

import java.util.Map;
import java.util.Objects;

/**
 * One task the model must solve: what it is shown, and what a verifier checks its output against.
 *
 * @param id       stable identifier, unique within its data set (for logs, resume and deduplication)
 * @param prompt   the text shown to the model (before any chat/prompt template is applied)
 * @param answer   the gold answer as a string: a number, a LaTeX expression, a Countdown target, or
 *                 empty for code problems whose truth is their tests
 * @param kind     which family of verifier applies
 * @param metadata task-specific extras, e.g. {@code test} and {@code entry_point} for code, the
 *                 {@code numbers} for Countdown, or a worked {@code solution}; never null, immutable
 */
public record Problem(String id, String prompt, String answer, TaskKind kind, Map<String, String> metadata) {

    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(kind, "kind");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A problem without metadata. */
    public static Problem of(String id, String prompt, String answer, TaskKind kind) {
        return new Problem(id, prompt, answer, kind, Map.of());
    }

    /** The metadata value for {@code key}, or {@code fallback} when absent. */
    public String meta(String key, String fallback) {
        return metadata.getOrDefault(key, fallback);
    }
}
