package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.AnswerAnchor;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the final answer in a model's whole output. Every search runs backwards from the end with
 * plain string scans (no backtracking regular expressions), so megabyte outputs cost linear time.
 */
public final class AnswerExtractor {

    /** What was found and by which anchor. */
    public record Found(String answer, AnswerAnchor anchor) {}

    private static final int MAX_ANSWER = 2_000;

    private AnswerExtractor() {}

    public static Optional<Found> extract(String text, List<AnswerAnchor> order) {
        for (AnswerAnchor a : order) {
            Optional<String> s = switch (a) {
                case BOXED -> boxed(text);
                case ANSWER_TAG -> answerTag(text);
                case HASHES -> hashes(text);
                case ANSWER_IS -> answerIs(text);
                case ANSWER_LINE -> answerLine(text);
                case LAST_NUMBER -> lastNumber(text);
            };
            if (s.isPresent() && !s.get().isBlank() && s.get().length() <= MAX_ANSWER) {
                return Optional.of(new Found(s.get().strip(), a));
            }
        }
        return Optional.empty();
    }

    /** The content of the last \boxed{...} or \fbox{...}. */
    static Optional<String> boxed(String text) {
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        if (at < 0) {
            return Optional.empty();
        }
        int i = at + (text.startsWith("\\boxed", at) ? 6 : 5);
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        if (i < text.length() && text.charAt(i) == '{') {
            return braced(text, i);
        }
        // \boxed 5: up to whitespace or a dollar sign.
        int end = i;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
            end++;
        }
        return end > i ? Optional.of(text.substring(i, end)) : Optional.empty();
    }

    /** The text between the '{' at {@code open} and its matching '}' (escaped braces count as text). */
    static Optional<String> braced(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && (text.charAt(i + 1) == '{' || text.charAt(i + 1) == '}')) {
                i++;
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return Optional.of(text.substring(open + 1, i));
                }
            }
        }
        return Optional.empty();
    }

    static Optional<String> answerTag(String text) {
        int end = text.lastIndexOf("</answer>");
        if (end < 0) {
            return Optional.empty();
        }
        int start = text.lastIndexOf("<answer>", end);
        if (start < 0) {
            return Optional.empty();
        }
        String inner = text.substring(start + "<answer>".length(), end);
        return boxed(inner).or(() -> Optional.of(inner));
    }

    static Optional<String> hashes(String text) {
        int at = text.lastIndexOf("####");
        if (at < 0) {
            return Optional.empty();
        }
        int end = text.indexOf('\n', at);
        return Optional.of(text.substring(at + 4, end < 0 ? text.length() : end));
    }

    static Optional<String> answerIs(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        int best = -1;
        int after = -1;
        for (String phrase : new String[] {"final answer is", "final answer:", "the answer is", "answer is:"}) {
            int at = lower.lastIndexOf(phrase);
            if (at > best) {
                best = at;
                after = at + phrase.length();
            }
        }
        if (best < 0) {
            return Optional.empty();
        }
        String rest = text.substring(after);
        int nl = rest.indexOf('\n');
        if (nl >= 0) {
            rest = rest.substring(0, nl);
        }
        rest = rest.strip();
        if (rest.startsWith(":")) {
            rest = rest.substring(1).strip();
        }
        // End of sentence: ". " or a final '.', but not a decimal point.
        for (int i = 0; i < rest.length(); i++) {
            if (rest.charAt(i) == '.' && (i + 1 == rest.length() || Character.isWhitespace(rest.charAt(i + 1)))) {
                rest = rest.substring(0, i);
                break;
            }
        }
        Optional<String> boxedInside = boxed(rest);
        return boxedInside.isPresent() ? boxedInside : Optional.of(rest);
    }

    static Optional<String> answerLine(String text) {
        int end = text.length();
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 1) + 1;
            String line = text.substring(start, end).strip();
            for (String prefix : new String[] {"Answer:", "answer:", "ANSWER:", "A:"}) {
                if (line.startsWith(prefix)) {
                    return Optional.of(line.substring(prefix.length()));
                }
            }
            end = start - 1;
        }
        return Optional.empty();
    }

    /** The last number: digits with optional sign, thousands commas, decimal part or a fraction bar. */
    static Optional<String> lastNumber(String text) {
        int i = text.length() - 1;
        while (i >= 0 && !Character.isDigit(text.charAt(i))) {
            i--;
        }
        if (i < 0) {
            return Optional.empty();
        }
        int end = i + 1;
        int start = i;
        while (start > 0) {
            char c = text.charAt(start - 1);
            boolean digitBefore = start >= 2 && Character.isDigit(text.charAt(start - 2));
            if (Character.isDigit(c) || ((c == '.' || c == ',' || c == '/') && digitBefore)) {
                start--;
            } else {
                break;
            }
        }
        if (start > 0 && text.charAt(start - 1) == '-') {
            start--;
        }
        return Optional.of(text.substring(start, end));
    }
}
