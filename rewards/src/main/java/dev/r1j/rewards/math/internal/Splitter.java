package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.List;

/** Splits text at separators that are not inside (), [], {} or \{ \}. */
final class Splitter {

    private Splitter() {}

    static List<String> topLevel(String s, String separator) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '}')) {
                depth += s.charAt(i + 1) == '{' ? 1 : -1;
                i++;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && s.startsWith(separator, i) && !partOfLongerCommand(s, i, separator)) {
                out.add(s.substring(start, i));
                start = i + separator.length();
                i = start - 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    /** "\cup" must not match inside "\cupcake"; "=" has no such problem. */
    private static boolean partOfLongerCommand(String s, int i, String separator) {
        int end = i + separator.length();
        return separator.startsWith("\\") && end < s.length() && Character.isLetter(s.charAt(end));
    }

    /**
     * Whether the bracket opening at 0 ({@code width} characters, 1 for "(" or 2 for "\{") closes at the
     * very end, so that "(1)+(2)" is not read as one parenthesised group.
     */
    static boolean enclosesAll(String s, int width) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '}')) {
                depth += s.charAt(i + 1) == '{' ? 1 : -1;
                i++;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
            if (depth == 0 && i < s.length() - 1) {
                return false;
            }
        }
        return depth == 0;
    }
}
