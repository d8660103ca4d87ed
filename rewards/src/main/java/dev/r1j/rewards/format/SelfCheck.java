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

    /** Whether the think block of {@code completion} has a line that starts with {@code check }. */
    public static boolean checks(ThinkStart start, String completion) {
        return thinkLines(start, completion).stream().anyMatch(l -> l.startsWith(CHECK));
    }

    /**
     * Whether the think block of {@code completion} has a check line that ends in {@code  wait}
     * (trailing whitespace aside): a check the model found failing, which in the corpus is followed
     * by the step redone.
     */
    public static boolean corrects(ThinkStart start, String completion) {
        return thinkLines(start, completion).stream().anyMatch(l -> l.startsWith(CHECK) && l.stripTrailing().endsWith(FAILED));
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
