package dev.r1j.rl.chat.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Two spots where Jinja's grammar (Python's) and the engine's parser disagree, fixed in the source
 * before parsing, inside {@code {{ }}} and {@code {% %}} tags and outside string literals:
 *
 * <ul>
 *   <li>{@code seq[::-1]}, the one slice with a step real templates use (Qwen3's walks its messages
 *       backwards), becomes a filter returning the reversed list. A reversed sequence that is then
 *       indexed or called is refused rather than rewritten wrongly, since a filter binds more loosely
 *       than a subscript.</li>
 *   <li>A keyword argument's value is a whole expression in Jinja ({@code namespace(i=messages|length -
 *       1)}), while the engine binds {@code name=value} tighter than arithmetic; the value is put in
 *       parentheses.</li>
 * </ul>
 *
 * <p>And Jinja's {@code lstrip_blocks}, which the engine applies too widely (it also strips the spaces
 * between two tags on one line): spaces and tabs from the start of a line up to a block or comment tag
 * are removed here, and nowhere else; {@code {%+} keeps them, {@code {%-} strips more anyway.
 */
final class PythonSyntax {

    static final String REVERSED = "r1j_reversed";
    private static final String SLICE = "[::-1]";

    private PythonSyntax() {}

    static String apply(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int n = source.length();
        int i = 0;
        while (i < n) {
            int open = nextTag(source, i);
            if (open < 0) {
                out.append(source, i, n);
                break;
            }
            char kind = source.charAt(open + 1);
            int textEnd = open;
            if (kind != '{' && (open + 2 >= n || (source.charAt(open + 2) != '+' && source.charAt(open + 2) != '-'))) {
                int k = open;
                while (k > i && (source.charAt(k - 1) == ' ' || source.charAt(k - 1) == '\t')) {
                    k--;
                }
                if (k == 0 || source.charAt(k - 1) == '\n') {
                    textEnd = k; // lstrip_blocks: the line holds only blanks before the tag
                }
            }
            out.append(source, i, textEnd);
            if (kind == '#') { // a comment renders nothing; its whitespace control and trim_blocks done here
                if (source.startsWith("{#-", open)) {
                    while (out.length() > 0 && Character.isWhitespace(out.charAt(out.length() - 1))) {
                        out.setLength(out.length() - 1);
                    }
                }
                int end = source.indexOf("#}", open + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("a comment {# is never closed");
                }
                i = end + 2;
                if (source.charAt(end - 1) == '-') {
                    while (i < n && Character.isWhitespace(source.charAt(i))) {
                        i++;
                    }
                } else if (i < n && source.charAt(i) == '\n') {
                    i++;
                }
                continue;
            }
            if (source.startsWith("{%+", open)) {
                open++; // the engine does not know the + modifier: drop it (lstrip is not applied above)
                out.append("{%");
            } else {
                out.append(source, open, open + 2);
            }
            String close = kind == '{' ? "}}" : "%}";
            int j = open + 2;
            char quote = 0;
            Deque<Character> brackets = new ArrayDeque<>();
            Deque<Boolean> keywordValue = new ArrayDeque<>(); // per bracket: a keyword value is open inside it
            while (j < n && (quote != 0 || !brackets.isEmpty() || !source.startsWith(close, j))) {
                char c = source.charAt(j);
                if (quote != 0) {
                    if (c == '\\' && j + 1 < n) {
                        out.append(c);
                        c = source.charAt(++j);
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (source.startsWith(SLICE, j)) {
                    int after = j + SLICE.length();
                    while (after < n && Character.isWhitespace(source.charAt(after))) {
                        after++;
                    }
                    if (after < n && "[.(".indexOf(source.charAt(after)) >= 0) {
                        throw new IllegalArgumentException("a [::-1] slice followed by '" + source.charAt(after)
                                + "' is not supported; reverse into a variable first");
                    }
                    out.append('|').append(REVERSED);
                    j += SLICE.length();
                    continue;
                } else if (c == '(' || c == '[' || c == '{') {
                    brackets.push(c);
                    keywordValue.push(false);
                } else if (c == ')' || c == ']' || c == '}') {
                    if (brackets.isEmpty()) {
                        break; // unbalanced: leave it to the parser to report
                    }
                    brackets.pop();
                    if (keywordValue.pop()) {
                        out.append(')');
                    }
                } else if (c == ',' && !brackets.isEmpty() && keywordValue.peek()) {
                    keywordValue.pop();
                    keywordValue.push(false);
                    out.append(')');
                } else if (c == '=' && !brackets.isEmpty() && brackets.peek() == '(' && !keywordValue.peek()
                        && isKeywordEquals(source, j)) {
                    keywordValue.pop();
                    keywordValue.push(true);
                    out.append("=(");
                    j++;
                    continue;
                }
                out.append(c);
                j++;
            }
            i = j; // the closing delimiter is copied as plain text by the next round
        }
        return out.toString();
    }

    /** Whether the {@code =} at {@code at} is {@code name=} (not {@code ==}, {@code !=}, {@code <=}, {@code >=}). */
    private static boolean isKeywordEquals(String s, int at) {
        if (at + 1 < s.length() && s.charAt(at + 1) == '=') {
            return false;
        }
        int k = at - 1;
        while (k >= 0 && s.charAt(k) == ' ') {
            k--;
        }
        return k >= 0 && (Character.isLetterOrDigit(s.charAt(k)) || s.charAt(k) == '_');
    }

    private static int nextTag(String s, int from) {
        int best = -1;
        for (String t : new String[] {"{{", "{%", "{#"}) {
            int at = s.indexOf(t, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }
}
