package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.AnswerAnchor;
import dev.r1j.rewards.math.AnswerSyntax;
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
    private final AnswerSyntax syntax;

    /**
     * @param order                  anchors in priority order
     * @param answersInsideReasoning whether an answer found only inside {@code <think>...</think>}
     *                               counts when nothing follows the reasoning
     * @param syntax                 the notations an answer may be written in
     */
    public AnswerExtractor(List<AnswerAnchor> order, boolean answersInsideReasoning, AnswerSyntax syntax) {
        this.order = List.copyOf(order);
        this.answersInsideReasoning = answersInsideReasoning;
        this.syntax = syntax;
    }

    /** A gold text with this many words or more is a worked solution, not an answer. */
    private static final int SOLUTION_WORDS = 12;

    /**
     * The answer a gold text states: the content of its boxes when it holds any (a whole MATH or
     * NuminaMath solution); what follows its {@code ####} or "the answer is" / "final answer:"
     * phrase; the answer extracted from it, as from a completion, when it is a worked solution
     * without any of these; otherwise the text itself.
     */
    public String goldAnswer(String gold) {
        String box = boxed(gold);
        if (box != null) {
            return clean(box);
        }
        String stated = hashes(gold);
        if (stated == null) {
            Phrase phrase = answerIsPhrase(gold);
            stated = phrase == null ? null : fromProse(phrase.value());
        }
        if (stated != null && !stated.isBlank()) {
            return clean(stated); // "#### 72", "Final Answer: the smallest $k$ is 17"
        }
        if (wordCount(gold) >= SOLUTION_WORDS) {
            Optional<Found> found = extractFrom(gold);
            String value = found.isPresent() ? found.get().answer() : lastValue(gold);
            if (value != null) {
                return clean(value);
            }
        }
        return gold;
    }

    private static int wordCount(String s) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < s.length() && words < SOLUTION_WORDS; i++) {
            boolean letter = Character.isLetter(s.charAt(i));
            if (letter && !inWord) {
                words++;
            }
            inWord = letter;
        }
        return words;
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
                case LAST_NUMBER -> lastValue(text);
            };
            if (found == null) {
                continue;
            }
            if (anchor == AnswerAnchor.BOXED && order.contains(AnswerAnchor.ANSWER_IS)) {
                // a closing "final answer: ..." written after the last box restates or corrects it
                Phrase closing = answerIsPhrase(text);
                int[] box = lastBox(text, text.length());
                if (closing != null && closing.isFinal() && box != null && closing.at() > box[2]) {
                    return Optional.of(new Found(AnswerAnchor.ANSWER_IS, clean(fromProse(closing.value()))));
                }
            }
            if (anchor == AnswerAnchor.ANSWER_IS || anchor == AnswerAnchor.ANSWER_LINE) {
                found = fromProse(found);
            }
            return Optional.of(new Found(anchor, clean(found)));
        }
        return Optional.empty();
    }

    private static final Pattern PROSE_START = Pattern.compile("^\\s*[A-Za-z]{2,}\\b(?:\\S*\\s+){2,}\\S");

    /**
     * An answer phrase that is a sentence ("The largest $n$ is 34") states its value last: the
     * sentence's last value is the answer. Phrases that start with a value ("5 as well as 6") stay whole.
     */
    private String fromProse(String phrase) {
        if (!PROSE_START.matcher(phrase).lookingAt() || AnswerComparator.startsWithMathWord(phrase)) {
            return phrase;
        }
        String value = lastValue(phrase);
        return value == null ? phrase : value;
    }

    /** An extracted answer and the anchor that found it. */
    public record Found(AnswerAnchor anchor, String answer) {
    }

    /** The longest text between two boxes that can still join them into one answer. */
    private static final int MAX_BOX_GAP = 40;
    /** The most boxes joined into one answer. */
    private static final int MAX_JOINED_BOXES = 64;
    private static final Pattern BOX_GAP_NOISE = Pattern.compile(
            "\\\\[()\\[\\]]|\\$|\\\\(?:q?quad|text|textrm|mbox|,|;|:|!| )|[{}\\s]");
    private static final Pattern BOX_GAP_CONNECTIVE = Pattern.compile("(?i)^(?:.*\\b(?:and|or)\\b.*|[,;]?)$");

    /**
     * Content of the last {@code \boxed{...}} or {@code \fbox{...}}; null when absent or unbalanced.
     * Boxes written one after another, with nothing but a connective between them ({@code \boxed{1}, \boxed{2}},
     * {@code \boxed{1} and \boxed{2}}, {@code \boxed{1}\boxed{2}}), are one answer listing their contents.
     */
    static String boxed(String text) {
        int[] last = lastBox(text, text.length());
        if (last == null) {
            return null;
        }
        if (last[1] < 0) {
            return text.substring(last[0], last[2]);
        }
        String content = text.substring(last[0], last[1]);
        StringBuilder joined = null;
        int[] current = last;
        for (int n = 1; n < MAX_JOINED_BOXES; n++) {
            int[] previous = lastBox(text, current[3]);
            // a box around the current one (\\boxed{\\boxed{1}}) ends after it starts: not a neighbour
            if (previous == null || previous[1] < 0 || previous[2] > current[3] || current[3] - previous[2] > MAX_BOX_GAP
                    || !isConnective(text.substring(previous[2], current[3]))) {
                break;
            }
            if (joined == null) {
                joined = new StringBuilder(content);
            }
            joined.insert(0, text.substring(previous[0], previous[1]) + ", ");
            current = previous;
        }
        return joined == null ? content : joined.toString();
    }

    private static boolean isConnective(String gap) {
        String residue = BOX_GAP_NOISE.matcher(gap).replaceAll(" ").strip();
        return BOX_GAP_CONNECTIVE.matcher(residue).matches();
    }

    /**
     * The last box starting before {@code before}: {contentStart, contentEnd, boxEnd, boxStart}, with
     * contentEnd -1 for the brace-less form {@code \boxed 5} (then boxEnd is the content's end); null
     * when there is none or it is unbalanced.
     */
    private static int[] lastBox(String text, int before) {
        int at = Math.max(text.lastIndexOf("\\boxed", before - 1), text.lastIndexOf("\\fbox", before - 1));
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
            return close < 0 ? null : new int[] {i + 1, close, close + 1, at};
        }
        if (i == after) {
            return null; // \boxedx is not a box
        }
        int end = i;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
            end++;
        }
        return new int[] {i, -1, end, at};
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
        Phrase p = answerIsPhrase(text);
        return p == null ? null : p.value();
    }

    /** An answer phrase: its value, where the phrase starts, and whether it says "final answer". */
    private record Phrase(String value, int at, boolean isFinal) {
    }

    private static Phrase answerIsPhrase(String text) {
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
            boolean isFinal = precededByFinal(text, at);
            if (!matched && isFinal) {
                m = colonTail.region(at, windowEnd);
                matched = m.lookingAt();
            }
            if (matched) {
                String value = sentenceAfter(text, m.end());
                if (!value.isBlank()) {
                    return new Phrase(value, at, isFinal);
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

    /**
     * The last value written in the text: the last formula ({@code $...$}, {@code $$...$$},
     * {@code \\(...\\)}, {@code \\[...\\]}) when it ends after the last number (a number inside a formula
     * stands for the whole formula), otherwise the last number with its sign, decimal part and
     * separators, or the bare LaTeX expression around it ({@code \\frac{10}{9}}). The syntax narrows
     * this to formulas only ({@link AnswerSyntax#LATEX}) or numbers only ({@link AnswerSyntax#PLAIN}).
     */
    String lastValue(String text) {
        int[] formula = syntax == AnswerSyntax.PLAIN ? null : lastFormula(text);
        int[] number = syntax == AnswerSyntax.LATEX ? null : lastNumberSpan(text);
        if (formula != null && (number == null || formula[3] >= number[1])) {
            return text.substring(formula[0], formula[1]);
        }
        if (number == null) {
            return null;
        }
        if (syntax != AnswerSyntax.PLAIN) {
            String bare = bareLatexAround(text, number[0], number[1]);
            if (bare != null) {
                return bare;
            }
        }
        return text.substring(number[0], number[1]);
    }

    /** The last number as [start, end): digits with a sign, decimal point or comma, thousands separators or a fraction bar. */
    static int[] lastNumberSpan(String text) {
        int i = text.length() - 1;
        int end;
        while (true) {
            while (i >= 0 && !Character.isDigit(text.charAt(i))) {
                i--;
            }
            if (i < 0) {
                return null;
            }
            end = i + 1;
            int first = i;
            while (first > 0 && Character.isDigit(text.charAt(first - 1))) {
                first--;
            }
            // digits inside a word (AZYUK2A, a base-3 numeral's 1112112_3 is fine) are part of a name
            boolean letterBefore = first > 0 && Character.isLetter(text.charAt(first - 1));
            boolean letterAfter = end < text.length() && Character.isLetter(text.charAt(end));
            if (!(letterBefore && letterAfter)) {
                break;
            }
            i = first - 1;
        }
        int start = i;
        while (start > 0) {
            char c = text.charAt(start - 1);
            if (Character.isDigit(c)) {
                start--;
            } else if ((c == ',' || c == '.' || c == '/') && start >= 2 && Character.isDigit(text.charAt(start - 2))) {
                start--;
            } else if (c == ' ' && start >= 2 && Character.isDigit(text.charAt(start - 2)) && isThousandsGroup(text, start)) {
                start--; // 1 000 000: a space between groups of three digits
            } else {
                break;
            }
        }
        if (start > 0 && text.charAt(start - 1) == '.' && (start < 2 || !Character.isLetterOrDigit(text.charAt(start - 2)))) {
            start--; // .4 is 0.4
        }
        if (start > 0 && text.charAt(start - 1) == '-'
                && (start < 2 || !Character.isLetterOrDigit(text.charAt(start - 2)))) {
            start--;
        }
        return new int[] {start, end};
    }

    /** Whether exactly three digits start at {@code at}, followed by no further digit. */
    private static boolean isThousandsGroup(String text, int at) {
        if (at + 3 > text.length()) {
            return false;
        }
        for (int k = at; k < at + 3; k++) {
            if (!Character.isDigit(text.charAt(k))) {
                return false;
            }
        }
        return at + 3 == text.length() || !Character.isDigit(text.charAt(at + 3));
    }

    /** The longest bare LaTeX expression (no delimiters) around [start, end), or null when there is no command around it. */
    private static String bareLatexAround(String text, int start, int end) {
        int lo = start;
        int hi = end;
        int limit = 200;
        while (lo > 0 && start - lo < limit && isBareLatexChar(text.charAt(lo - 1))) {
            lo--;
        }
        while (hi < text.length() && hi - end < limit && isBareLatexChar(text.charAt(hi))) {
            hi++;
        }
        String run = text.substring(lo, hi);
        while (!run.isEmpty() && (run.endsWith(".") || run.endsWith(",") || run.endsWith(";"))) {
            run = run.substring(0, run.length() - 1);
        }
        if (run.indexOf('\\') < 0 || !bracesBalanced(run)) {
            return null;
        }
        return run;
    }

    private static boolean isBareLatexChar(char c) {
        return !Character.isWhitespace(c) && c != '$' && c < 0x80;
    }

    private static boolean bracesBalanced(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }

    /**
     * The last non-blank formula: {contentStart, contentEnd, formulaStart, formulaEnd}, or null. One
     * forward pass pairs the delimiters; {@code $...$} and {@code \\(...\\)} must close on their line
     * (a lone {@code $} is a currency sign), display math may span lines, {@code \\$} is a dollar sign.
     */
    static int[] lastFormula(String text) {
        int[] last = null;
        int n = text.length();
        boolean displayMayClose = true;
        boolean parenMayClose = true;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            int contentStart;
            int close;
            int closeLength;
            if (c == '\\' && i + 1 < n && (text.charAt(i + 1) == '[' || text.charAt(i + 1) == '(')) {
                boolean display = text.charAt(i + 1) == '[';
                if (!(display ? displayMayClose : parenMayClose)) {
                    i += 2;
                    continue;
                }
                contentStart = i + 2;
                close = text.indexOf(display ? "\\]" : "\\)", contentStart);
                if (close < 0) {
                    if (display) {
                        displayMayClose = false;
                    } else {
                        parenMayClose = false;
                    }
                    i += 2;
                    continue;
                }
                if (!display && text.substring(contentStart, close).indexOf('\n') >= 0) {
                    i = close + 2; // not inline math; what it spans cannot close on one line either
                    continue;
                }
                closeLength = 2;
            } else if (c == '\\') {
                i += 2; // an escaped character such as \$
                continue;
            } else if (c == '$') {
                boolean display = i + 1 < n && text.charAt(i + 1) == '$';
                contentStart = i + (display ? 2 : 1);
                close = display ? text.indexOf("$$", contentStart) : closingDollar(text, contentStart);
                if (close < 0) {
                    // a currency sign: no formula can close on the rest of this line
                    int lineEnd = display ? -1 : text.indexOf('\n', contentStart);
                    i = display ? contentStart : lineEnd < 0 ? n : lineEnd;
                    continue;
                }
                closeLength = display ? 2 : 1;
            } else {
                i++;
                continue;
            }
            if (!text.substring(contentStart, close).isBlank()) {
                last = new int[] {contentStart, close, i, close + closeLength};
            }
            i = close + closeLength;
        }
        return last;
    }

    /** The unescaped {@code $} closing an inline formula opened before {@code from}, on the same line; -1 if none. */
    private static int closingDollar(String text, int from) {
        for (int j = from; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '\n') {
                return -1;
            }
            if (c == '\\') {
                j++;
            } else if (c == '$') {
                return j;
            }
        }
        return -1;
    }

    private static String clean(String s) {
        String t = stripEmphasis(stripQuotes(s.strip()));
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

    /** Removes quotation marks around an answer ({@code "12 and 13"}, also escaped as {@code \\"}). */
    private static String stripQuotes(String t) {
        String u = t;
        for (String q : new String[] {"\\\"", "\"", "\u201C", "\u201D"}) {
            while (u.startsWith(q)) {
                u = u.substring(q.length()).strip();
            }
            while (u.endsWith(q)) {
                u = u.substring(0, u.length() - q.length()).strip();
            }
        }
        return u;
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
