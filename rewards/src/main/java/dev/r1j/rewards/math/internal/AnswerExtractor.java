package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.AnswerAnchor;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in a model's whole output. Each anchor looks for its <em>last</em>
 * occurrence (so {@code \boxed{1} ... \boxed{2}} yields 2); anchors are tried in the configured
 * order and the first that matches wins. All searches scan backwards from the end or make one
 * forward pass, so megabyte outputs cost milliseconds.
 */
public final class AnswerExtractor {

    private static final Pattern ANSWER_IS_TAIL = Pattern.compile(
            "(?i)answer\\s*(?:\\*\\*\\s*)?(?:is|was|would be|will be|should be)\\b\\s*(?:\\*\\*)?\\s*[:=]?\\s*");
    private static final Pattern FINAL_ANSWER_TAIL = Pattern.compile("(?i)answer\\s*(?:\\*\\*\\s*)?[:=]\\s*(?:\\*\\*)?\\s*");
    private static final Pattern ANSWER_LINE = Pattern.compile(
            "^\\s*(?:[*#_]+\\s*)?(?:(?i:final\\s+answer|answer)|A)\\s*(?:[*_]+\\s*)?[:\uFF1A]\\s*(?:[*_]+\\s*)?(.*)$");

    private static final String THINK_END = "</think>";

    private final List<AnswerAnchor> order;
    private final boolean answersInsideReasoning;

    /**
     * @param order                  anchors in priority order
     * @param answersInsideReasoning whether an answer found only inside {@code <think>...</think>}
     *                               counts when nothing follows the reasoning
     */
    public AnswerExtractor(List<AnswerAnchor> order, boolean answersInsideReasoning) {
        this.order = List.copyOf(order);
        this.answersInsideReasoning = answersInsideReasoning;
    }

    /**
     * The answer found by the first anchor in order that matches, with which anchor found it. When
     * the output closes a reasoning block ({@code </think>}), the text after it is searched first:
     * a box drafted while thinking is not the final answer.
     */
    public Optional<Found> extract(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        int thinkEnd = lastIndexOfIgnoreCase(text, THINK_END, text.length());
        if (thinkEnd >= 0) {
            Optional<Found> after = extractFrom(text.substring(thinkEnd + THINK_END.length()));
            if (after.isPresent() || !answersInsideReasoning) {
                return after;
            }
        }
        return extractFrom(text);
    }

    private Optional<Found> extractFrom(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        for (AnswerAnchor anchor : order) {
            String found = switch (anchor) {
                case BOXED -> boxed(text);
                case ANSWER_TAG -> answerTag(text);
                case HASHES -> hashes(text);
                case ANSWER_IS -> answerIs(text);
                case ANSWER_LINE -> answerLine(text);
                case LAST_NUMBER -> lastNumber(text);
            };
            if (found != null) {
                return Optional.of(new Found(anchor, clean(found)));
            }
        }
        return Optional.empty();
    }

    /** An extracted answer and the anchor that found it. */
    public record Found(AnswerAnchor anchor, String answer) {
    }

    /** Content of the last {@code \boxed{...}} or {@code \fbox{...}}; null when absent or unbalanced. */
    static String boxed(String text) {
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        if (at < 0) {
            return null;
        }
        int after = at + (text.startsWith("\\boxed", at) ? 6 : 5);
        int i = after;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (i < text.length() && text.charAt(i) == '{') {
            int close = AnswerNormalizer.matchingBrace(text, i);
            return close < 0 ? null : text.substring(i + 1, close);
        }
        if (i == after) {
            return null; // \boxedx is not a box
        }
        int end = i;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
            end++;
        }
        return text.substring(i, end);
    }

    /** Content of the last complete {@code <answer>...</answer>}, refined by a box or "answer is" inside it. */
    static String answerTag(String text) {
        int open = lastIndexOfIgnoreCase(text, "<answer>", text.length());
        if (open < 0) {
            return null;
        }
        int start = open + "<answer>".length();
        int close = indexOfIgnoreCase(text, "</answer>", start);
        if (close < 0) {
            return null;
        }
        String inner = text.substring(start, close);
        String refined = boxed(inner);
        if (refined == null) {
            refined = answerIs(inner);
        }
        return refined != null ? refined : inner;
    }

    /** The rest of the line after the last {@code ####}. */
    static String hashes(String text) {
        int at = text.lastIndexOf("####");
        if (at < 0) {
            return null;
        }
        int start = at + 4;
        int end = text.indexOf('\n', start);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    /** What follows the last "answer is" / "final answer:" phrase, up to the end of its sentence. */
    static String answerIs(String text) {
        int from = text.length();
        Matcher isTail = ANSWER_IS_TAIL.matcher(text);
        Matcher colonTail = FINAL_ANSWER_TAIL.matcher(text);
        while (from > 0) {
            int at = lastIndexOfIgnoreCase(text, "answer", from);
            if (at < 0) {
                return null;
            }
            from = at;
            if (at > 0 && (text.charAt(at - 1) == '<' || text.charAt(at - 1) == '/')) {
                continue; // an <answer> tag, not a phrase
            }
            if (!mayStartAnswerPhrase(text, at)) {
                continue;
            }
            int windowEnd = Math.min(text.length(), at + 40);
            Matcher m = isTail.region(at, windowEnd);
            boolean matched = m.lookingAt();
            if (!matched && precededByFinal(text, at)) {
                m = colonTail.region(at, windowEnd);
                matched = m.lookingAt();
            }
            if (matched) {
                String value = sentenceAfter(text, m.end());
                if (!value.isBlank()) {
                    return value;
                }
            }
        }
        return null;
    }

    /** A cheap filter before the regex: after "answer" must come a verb (is, was, ...) or ':' / '='. */
    private static boolean mayStartAnswerPhrase(String text, int at) {
        int i = at + "answer".length();
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '*')) {
            i++;
        }
        if (i >= text.length()) {
            return false;
        }
        char c = Character.toLowerCase(text.charAt(i));
        return c == 'i' || c == 'w' || c == 's' || ((c == ':' || c == '=') && precededByFinal(text, at));
    }

    private static boolean precededByFinal(String text, int at) {
        int i = at - 1;
        while (i >= 0 && (text.charAt(i) == ' ' || text.charAt(i) == '*')) {
            i--;
        }
        return i >= 4 && text.regionMatches(true, i - 4, "final", 0, 5);
    }

    /** The rest of the sentence starting at {@code start}, or the next non-empty line if this one is empty. */
    private static String sentenceAfter(String text, int start) {
        int lineEnd = text.indexOf('\n', start);
        String line = text.substring(start, lineEnd < 0 ? text.length() : lineEnd);
        if (line.isBlank() && lineEnd >= 0) {
            int next = lineEnd + 1;
            while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
                next++;
            }
            int end = text.indexOf('\n', next);
            line = text.substring(next, end < 0 ? text.length() : end);
        }
        String boxed = boxed(line);
        if (boxed != null) {
            return boxed;
        }
        return cutAtSentenceEnd(line);
    }

    private static final Pattern CLAUSE_START = Pattern.compile(
            "(?i)[,;]?\\s+(?:because|since|so|which|thus|therefore|hence)\\b");

    /**
     * The answer part of a prose line: up to a clause such as ", because", or a full stop that is
     * not a decimal point; an exclamation mark closing the prose is punctuation, not a factorial.
     */
    private static String cutAtSentenceEnd(String line) {
        Matcher clause = CLAUSE_START.matcher(line);
        if (clause.find()) {
            line = line.substring(0, clause.start());
        }
        int dollars = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '$') {
                dollars++;
            } else if (c == '.' && dollars % 2 == 0) {
                boolean digitAfter = i + 1 < line.length() && Character.isDigit(line.charAt(i + 1));
                if (!digitAfter) {
                    return line.substring(0, i);
                }
            } else if (c == '!' && dollars % 2 == 0
                    && (i + 1 == line.length() || Character.isWhitespace(line.charAt(i + 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** The text after the last line that starts with {@code Answer:} or {@code A:}. */
    static String answerLine(String text) {
        int end = text.length();
        while (end >= 0) {
            int start = text.lastIndexOf('\n', end - 1) + 1;
            if (end - start < 2000) {
                String line = text.substring(start, end);
                if (line.indexOf(':') >= 0 || line.indexOf('\uFF1A') >= 0) {
                    Matcher m = ANSWER_LINE.matcher(line);
                    if (m.matches() && !m.group(1).isBlank()) {
                        String value = m.group(1);
                        String boxed = boxed(value);
                        return boxed != null ? boxed : cutAtSentenceEnd(value);
                    }
                }
            }
            if (start == 0) {
                return null;
            }
            end = start - 1;
        }
        return null;
    }

    /** The last number in the text, with its sign, decimal part, thousands commas or fraction bar. */
    static String lastNumber(String text) {
        int i = text.length() - 1;
        while (i >= 0 && !Character.isDigit(text.charAt(i))) {
            i--;
        }
        if (i < 0) {
            return null;
        }
        int end = i + 1;
        int start = i;
        while (start > 0) {
            char c = text.charAt(start - 1);
            if (Character.isDigit(c)) {
                start--;
            } else if ((c == ',' || c == '.' || c == '/') && start >= 2 && Character.isDigit(text.charAt(start - 2))) {
                start--;
            } else {
                break;
            }
        }
        if (start > 0 && text.charAt(start - 1) == '-'
                && (start < 2 || !Character.isLetterOrDigit(text.charAt(start - 2)))) {
            start--;
        }
        String span = enclosingMath(text, start, end);
        return span != null ? span : text.substring(start, end);
    }

    private static final int MAX_MATH_SPAN = 200;

    /**
     * When the number at [start, end) sits inside a short inline formula ({@code $\frac{1}{2}$},
     * {@code \(...\)}, {@code \[...\]}), the whole formula: its last digit alone would be wrong.
     */
    private static String enclosingMath(String text, int start, int end) {
        int lo = Math.max(0, start - MAX_MATH_SPAN);
        int hi = Math.min(text.length(), end + MAX_MATH_SPAN);
        String[][] delimiters = {{"\\(", "\\)"}, {"\\[", "\\]"}, {"$", "$"}};
        for (String[] d : delimiters) {
            int open = text.lastIndexOf(d[0], start - 1);
            if (open < lo) {
                continue;
            }
            int close = text.indexOf(d[1], end);
            if (close < 0 || close > hi) {
                continue;
            }
            if (d[0].equals("$")) {
                // the $ before the number must open a formula: an even number of $ precede it on its line
                int lineStart = text.lastIndexOf('\n', open) + 1;
                int count = 0;
                for (int i = lineStart; i < open; i++) {
                    if (text.charAt(i) == '$') {
                        count++;
                    }
                }
                if (count % 2 != 0 || text.substring(open + 1, close).indexOf('\n') >= 0) {
                    continue;
                }
            }
            String inner = text.substring(open + d[0].length(), close);
            if (!inner.isBlank() && (inner.indexOf('\\') >= 0 || inner.indexOf('^') >= 0)) {
                return inner;
            }
            return null;
        }
        return null;
    }

    private static String clean(String s) {
        String t = stripEmphasis(s.strip());
        while (t.length() >= 2 && t.startsWith("$") && t.endsWith("$")) {
            t = t.substring(1, t.length() - 1).strip();
        }
        while (t.endsWith(".") || t.endsWith("$")) {
            t = t.substring(0, t.length() - 1).strip();
        }
        while (t.startsWith("$")) {
            t = t.substring(1).strip();
        }
        return stripEmphasis(t);
    }

    /** Removes markdown bold/italic markers around an answer ({@code **5**}). */
    private static String stripEmphasis(String t) {
        int start = 0;
        int end = t.length();
        while (start < end && t.charAt(start) == '*') {
            start++;
        }
        while (end > start && t.charAt(end - 1) == '*') {
            end--;
        }
        return t.substring(start, end).strip();
    }

    /** Last start of {@code needle} (lower-case ASCII) ending before {@code end}, ignoring ASCII case. */
    static int lastIndexOfIgnoreCase(String text, String needle, int end) {
        int n = needle.length();
        outer:
        for (int i = Math.min(end, text.length()) - n; i >= 0; i--) {
            for (int j = 0; j < n; j++) {
                if (lowerAscii(text.charAt(i + j)) != needle.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** First start of {@code needle} (lower-case ASCII) at or after {@code from}, ignoring ASCII case. */
    static int indexOfIgnoreCase(String text, String needle, int from) {
        int n = needle.length();
        outer:
        for (int i = Math.max(0, from); i + n <= text.length(); i++) {
            for (int j = 0; j < n; j++) {
                if (lowerAscii(text.charAt(i + j)) != needle.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
}
