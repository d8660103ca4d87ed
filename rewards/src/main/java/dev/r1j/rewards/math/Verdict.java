package dev.r1j.rewards.math;

import java.util.Objects;

/**
 * The outcome of checking one answer.
 *
 * @param correct   whether the extracted answer is equivalent to the gold answer
 * @param extracted the answer taken from the completion (at most {@value #MAX_EXTRACTED_CHARS}
 *                  characters are kept, for logs), or empty when none was found
 * @param reason    a short explanation for logs, such as "equivalent" or "no \boxed{} or answer phrase"
 */
public record Verdict(boolean correct, String extracted, String reason) {

    /** How much of the extracted answer a verdict keeps. */
    public static final int MAX_EXTRACTED_CHARS = 1000;

    public Verdict {
        extracted = extracted == null ? "" : extracted;
        if (extracted.length() > MAX_EXTRACTED_CHARS) {
            extracted = extracted.substring(0, MAX_EXTRACTED_CHARS);
        }
        Objects.requireNonNull(reason, "reason");
    }
}
