package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits a normalised answer into tokens. Plain text letters become single-letter variables except
 * for a few function and constant names (so {@code xy} is {@code x*y} while {@code sin} is a function).
 * Spacing commands and sizing commands ({@code \left}, {@code \,}) are dropped here.
 */
public final class Lexer {

    /** Words recognised without a backslash, longest first where one is a prefix of another. */
    static final List<String> PLAIN_WORDS = List.of(
            "arcsin", "arccos", "arctan", "infinity", "floor", "ceil", "sqrt", "sinh", "cosh", "tanh",
            "sin", "cos", "tan", "sec", "csc", "cot", "log", "exp", "inf", "ln", "pi");

    private static final Set<String> SKIPPED_COMMANDS = Set.of(
            "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
            "displaystyle", "textstyle", "limits", "quad", "qquad", "space", "nonumber", "middle");

    private Lexer() {
    }

    /** The tokens of {@code s}, ending with an {@code EOF} token. */
    public static List<Token> tokenize(String s, Budget budget) {
        List<Token> out = new ArrayList<>(Math.min(s.length() + 1, 4096));
        int n = s.length();
        int i = 0;
        while (i < n) {
            budget.tick();
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || c == '~') {
                i++;
            } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                i = lexNumber(s, i, out);
            } else if (c == '\\') {
                i = lexCommand(s, i, out);
            } else if (isAsciiLetter(c)) {
                i = lexLetters(s, i, out);
            } else if (Character.isLetter(c)) {
                out.add(new Token(Token.Kind.LETTER, String.valueOf(c)));
                i++;
            } else {
                i = lexSymbol(s, i, out);
            }
        }
        out.add(new Token(Token.Kind.EOF, ""));
        return out;
    }

    private static int lexNumber(String s, int start, List<Token> out) {
        int n = s.length();
        int i = start;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        if (i + 1 < n && s.charAt(i) == '.' && isDigit(s.charAt(i + 1))) {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        } else if (i < n && s.charAt(i) == '.' && i == start) {
            i++;
        }
        // Scientific notation 1e5, 2.5E-3: only when no further letter follows, so 2e stays 2*e.
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            int digitsStart = j;
            while (j < n && isDigit(s.charAt(j))) {
                j++;
            }
            if (j > digitsStart && (j >= n || !Character.isLetter(s.charAt(j)))) {
                i = j;
            }
        }
        out.add(new Token(Token.Kind.NUMBER, s.substring(start, i)));
        return i;
    }

    private static int lexCommand(String s, int start, List<Token> out) {
        int n = s.length();
        int i = start + 1;
        if (i >= n) {
            return i;
        }
        char c = s.charAt(i);
        if (!isAsciiLetter(c)) {
            switch (c) {
                case ',', ';', ':', '!', ' ', '>', '$' -> {
                    return i + 1;
                }
                case '%' -> out.add(new Token(Token.Kind.SYMBOL, "%"));
                case '|' -> out.add(new Token(Token.Kind.SYMBOL, "|"));
                default -> out.add(new Token(Token.Kind.COMMAND, String.valueOf(c)));
            }
            return i + 1;
        }
        int j = i;
        while (j < n && isAsciiLetter(s.charAt(j))) {
            j++;
        }
        String name = s.substring(i, j);
        if (SKIPPED_COMMANDS.contains(name)) {
            // \left. and \right. are invisible delimiters
            if (j < n && s.charAt(j) == '.' && (name.equals("left") || name.equals("right"))) {
                j++;
            }
            return j;
        }
        if (name.equals("begin") || name.equals("end")) {
            int k = j;
            while (k < n && s.charAt(k) == ' ') {
                k++;
            }
            if (k < n && s.charAt(k) == '{') {
                int close = s.indexOf('}', k);
                if (close < 0) {
                    throw new ParseFailure("unterminated \\" + name);
                }
                String env = s.substring(k + 1, close).trim();
                out.add(new Token(name.equals("begin") ? Token.Kind.BEGIN : Token.Kind.END, env));
                return close + 1;
            }
            throw new ParseFailure("\\" + name + " without environment");
        }
        out.add(new Token(Token.Kind.COMMAND, name));
        return j;
    }

    private static int lexLetters(String s, int start, List<Token> out) {
        int n = s.length();
        int end = start;
        while (end < n && isAsciiLetter(s.charAt(end))) {
            end++;
        }
        int i = start;
        while (i < end) {
            String word = wordAt(s, i, end);
            if (word != null) {
                out.add(new Token(Token.Kind.WORD, word));
                i += word.length();
            } else {
                out.add(new Token(Token.Kind.LETTER, String.valueOf(s.charAt(i))));
                i++;
            }
        }
        return end;
    }

    private static String wordAt(String s, int i, int end) {
        for (String w : PLAIN_WORDS) {
            if (i + w.length() <= end && s.regionMatches(false, i, w, 0, w.length())) {
                return w;
            }
        }
        return null;
    }

    private static int lexSymbol(String s, int i, List<Token> out) {
        char c = s.charAt(i);
        char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
        String two = next == 0 ? "" : "" + c + next;
        switch (two) {
            case "<=", ">=", "!=", "**", "=<", "=>" -> {
                String canonical = switch (two) {
                    case "=<" -> "<=";
                    case "=>" -> ">=";
                    default -> two;
                };
                out.add(new Token(Token.Kind.SYMBOL, canonical));
                return i + 2;
            }
            default -> {
                out.add(new Token(Token.Kind.SYMBOL, String.valueOf(c)));
                return i + 1;
            }
        }
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
