package dev.r1j.rewards.format;

import java.util.List;
import java.util.Objects;

/**
 * Whether a completion checks its own steps, as the self-checking solutions of the pre-training
 * corpus do ({@code dev.r1j.rewards.tasks.SelfCheckingSolution}): the check-rate and the
 * correction-rate count these. Only the model's own think block counts, read as the continuation of
 * its prompt ({@link ThinkStart}), and only when the completion is well formed in the sense of
 * {@link ThinkAnswerFormat#thinks}: a check line in the answer, after it, or in a completion whose
 * tags are out of place is not a completion that reasons with checks, and counting it would let the
 * check-rate exceed the think-rate. The mode line {@code solve and check} a forced opening writes is
 * not itself a check.
 */
public final class SelfCheck {

    private static final String CHECK = "check ";
    private static final String FAILED = " wait";

    private SelfCheck() {}

    /**
     * What the think block of {@code completion} shows, read once: whether it checks (a line that
     * starts with {@code check }) and whether it corrects (a check line that ends in {@code  wait},
     * trailing whitespace aside: a check the model found failing, which in the corpus is followed by
     * the step redone).
     */
    public record Reading(boolean checks, boolean corrects) {}

    /** {@link Reading} of {@code completion}, its think block scanned once. */
    public static Reading read(ThinkStart start, String completion) {
        boolean checks = false;
        boolean corrects = false;
        for (String line : thinkLines(start, completion)) {
            if (line.startsWith(CHECK)) {
                checks = true;
                corrects |= line.stripTrailing().endsWith(FAILED);
            }
        }
        return new Reading(checks, corrects);
    }

    /** Whether the think block of {@code completion} has a line that starts with {@code check }. */
    public static boolean checks(ThinkStart start, String completion) {
        return read(start, completion).checks();
    }

    /** Whether the think block of {@code completion} has a check line that ends in {@code  wait}. */
    public static boolean corrects(ThinkStart start, String completion) {
        return read(start, completion).corrects();
    }

    /** The lines inside the model's own think block; none when it does not think. */
    private static List<String> thinkLines(ThinkStart start, String completion) {
        Objects.requireNonNull(start, "start");
        if (!new ThinkAnswerFormat(start).thinks(completion)) {
            return List.of();
        }
        // Well formed: exactly one <think> and one </think>, in that order.
        String text = start.opened() + completion;
        return text.substring(text.indexOf("<think>") + "<think>".length(), text.indexOf("</think>")).lines().toList();
    }
}
