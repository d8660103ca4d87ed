package dev.r1j.rewards.math.internal;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an extracted answer into the canonical text the parser reads: math delimiters, text and
 * font wrappers, sizing commands, degree signs, currency signs, trailing unit words, thousands
 * separators and unicode operators are removed or spelled the LaTeX way. It works on short strings
 * (the verifier caps answer length before calling it) and every pass is a single scan or regex.
 */
public final class AnswerNormalizer {

    /** A private-use character standing in for {@code \\} while escapes are rewritten. */
    private static final String ROW_BREAK = "\uE000";

    private static final String[] WRAPPERS = {
        "\\boxed", "\\fbox", "\\textbf", "\\textit", "\\textrm", "\\textnormal", "\\textsf", "\\texttt",
        "\\text", "\\mathrm", "\\mathbf", "\\mathit", "\\mathsf", "\\mathtt", "\\mathnormal", "\\mbox",
        "\\operatorname", "\\boldsymbol", "\\bm", "\\mathbb"};

    private static final Pattern TRAILING_TEXT_UNIT = Pattern.compile(
            "(?<=[0-9}%)])\\s*\\\\(?:text|mbox|mathrm|textrm|textnormal)\\s*\\{\\s*[A-Za-z][A-Za-z\\s./]*\\}"
                    + "(?:\\^\\{?\\d\\}?)?\\s*$");
    /** The real line, written as a set, is the interval it names. */
    private static final Pattern REALS = Pattern.compile("\\\\mathbb\\s*\\{?\\s*R\\s*\\}?|\u211D");
    private static final Pattern DEGREES = Pattern.compile(
            "\\^\\s*\\{\\s*\\\\circ\\s*\\}|\\^\\s*\\\\circ|\\\\circ|\\\\degree|°"
                    + "|(?<=[\\d}])\\s*\\bdeg(?:ree)?s?\\b");
    /** Degrees Celsius or Fahrenheit are a unit, not an angle. */
    private static final Pattern TEMPERATURE = Pattern.compile("°\\s*[CF](?![A-Za-z])");
    private static final Pattern PERCENT_WORD = Pattern.compile("\\s*\\bper\\s?cent\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern MEMBERSHIP_PREFIX = Pattern.compile("^[A-Za-z]\\s*\\\\in\\s*");
    private static final Pattern CONNECTIVE = Pattern.compile(
            "\\s+(?:or|and)\\s+|\\s*\\\\(?:lor|vee)\\s*|(?<=[)\\]}])\\s*(?:or|and)\\s*(?=[(\\[{])",
            Pattern.CASE_INSENSITIVE);
    /** {@code 11,\\! 111}: a thousands comma written with a negative thin space. */
    private static final Pattern THIN_SPACE_THOUSANDS = Pattern.compile("(\\d),\\\\!\\s*(?=\\d{3}(?!\\d))");
    /**
     * A doubled backslash before a command name ({@code \\\\frac}, {@code \\\\le}), as escaped text
     * often carries, is that command; a real row break is followed by a space, a digit or a letter
     * that starts no such command.
     */
    private static final Pattern DOUBLED_COMMAND = Pattern.compile(
            "(?<!\\\\)\\\\\\\\(?=(?:frac|dfrac|tfrac|cfrac|left|right|le|leq|ge|geq|lt|gt|ne|neq|sqrt|pi|infty|cdot|times"
                    + "|text|boxed|in|cup|pm|mp|sin|cos|tan|log|ln|begin|end)(?![A-Za-z]))");
    private static final Pattern QUAD = Pattern.compile("\\\\q?quad");
    private static final Pattern BRACE_COMMA_THOUSANDS = Pattern.compile("(\\d)\\s*\\{\\s*,\\s*\\}\\s*(\\d{3})(?!\\d)");
    private static final Pattern COMMA_THOUSANDS = Pattern.compile("(?<![\\d.])[1-9]\\d{0,2}(?:,\\d{3})+(?![\\d])");
    private static final Pattern SPACE_THOUSANDS = Pattern.compile("(?<![\\d.])[1-9]\\d{0,2}(?: \\d{3})+(?![\\d./])");
    private static final Pattern MIXED_NUMBER = Pattern.compile("^(-?)(\\d{1,9})\\s+(\\d{1,9})\\s*/\\s*(\\d{1,9})$");
    private static final Pattern UNIT_TAIL = Pattern.compile(
            "^(.*?[0-9}%)°])\\s*((?:[A-Za-z]+(?:/[A-Za-z]+)?(?:\\^\\{?\\d\\}?)?\\.?)"
                    + "(?:\\s+[A-Za-z]+(?:/[A-Za-z]+)?(?:\\^\\{?\\d\\}?)?\\.?){0,3})$");
    private static final Pattern WORD = Pattern.compile("[A-Za-z]+");
    private static final Pattern REPEATING_DECIMAL = Pattern.compile(
            "(\\d{0,30})\\.(\\d{0,30})\\s*\\\\(?:overline|dot)\\s*(?:\\{(\\d{1,30})\\}|(\\d))");

    /** Words that are never units: connectives, and names the parser understands. */
    private static final Set<String> NOT_UNITS = Set.of(
            "or", "and", "to", "plus", "minus", "times", "over", "divided", "by", "of", "with", "not", "is",
            "pi", "sin", "cos", "tan", "sec", "csc", "cot", "log", "ln", "exp", "sqrt", "inf", "infinity",
            "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "i", "e");

    private AnswerNormalizer() {
    }

    /** The canonical form of one extracted answer. */
    public static String normalize(String raw) {
        // a LaTeX row break \\ is set aside so that the escapes below cannot eat half of it
        String s = DOUBLED_COMMAND.matcher(replaceUnicodeAndControls(raw)).replaceAll(Matcher.quoteReplacement("\\"));
        s = THIN_SPACE_THOUSANDS.matcher(s).replaceAll("$1");
        s = s.replace("\\\\", ROW_BREAK);
        s = s.replace("\\$", "").replace("$", "");
        s = s.replace("\\(", "").replace("\\)", "").replace("\\[", "").replace("\\]", "");
        s = QUAD.matcher(s).replaceAll(" ");
        s = s.replace("\\!", "").replace("\\,", " ").replace("\\;", " ").replace("\\:", " ").replace("\\ ", " ");
        s = s.replace("\\%", "%");
        s = REALS.matcher(s).replaceAll(Matcher.quoteReplacement("(-\\infty, \\infty)"));
        s = TRAILING_TEXT_UNIT.matcher(s).replaceAll("");
        s = unwrapAll(s);
        s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac");
        s = TEMPERATURE.matcher(DEGREES.matcher(s).replaceAll("°")).replaceAll("");
        s = PERCENT_WORD.matcher(s).replaceAll("%");
        s = MEMBERSHIP_PREFIX.matcher(s).replaceAll("");
        s = CONNECTIVE.matcher(s).replaceAll(", ");
        s = BRACE_COMMA_THOUSANDS.matcher(s).replaceAll("$1$2").replace("{,}", ".");
        s = collapseSpaces(s);
        s = stripTrailingPunctuation(s);
        s = stripUnitWords(s);
        if (s.indexOf(',') >= 0 && !startsWithBracket(s)) {
            s = removeAll(COMMA_THOUSANDS, s, ',');
        }
        if (s.indexOf(' ') >= 0) {
            s = removeAll(SPACE_THOUSANDS, s, ' ');
        }
        s = mixedNumber(s);
        if (s.contains("\\overline") || s.contains("\\dot")) {
            s = repeatingDecimals(s);
        }
        return s.replace(ROW_BREAK, "\\\\").trim();
    }

    private static String replaceUnicodeAndControls(String raw) {
        StringBuilder sb = new StringBuilder(raw.length() + 16);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            switch (c) {
                case '\u2212', '\u2013', '\u2014', '\u2012', '\uFE63', '\uFF0D' -> sb.append('-');
                case '\u00D7', '\u2715', '\u2716' -> sb.append("\\times ");
                case '\u00F7' -> sb.append("\\div ");
                case '\u00B7', '\u22C5', '\u2219', '\u2022' -> sb.append("\\cdot ");
                case '\u221A' -> sb.append("\\sqrt");
                case '\u03C0' -> sb.append("\\pi ");
                case '\u221E' -> sb.append("\\infty ");
                case '\u2264', '\u2A7D' -> sb.append("\\le ");
                case '\u2265', '\u2A7E' -> sb.append("\\ge ");
                case '\u2260' -> sb.append("\\ne ");
                case '\u222A' -> sb.append("\\cup ");
                case '\u00B1' -> sb.append("\\pm ");
                case '\u2213' -> sb.append("\\mp ");
                case '\u2208' -> sb.append("\\in ");
                case '\u00B2' -> sb.append("^2");
                case '\u00B3' -> sb.append("^3");
                case '\uFF0C' -> sb.append(',');
                case '\u00A0', '\u2009', '\u202F', '\u2007', '\u2008', '\u200A', '\u3000' -> sb.append(' ');
                case '\u200B', '\u200C', '\u200D', '\uFEFF' -> {
                    // zero-width characters carry nothing
                }
                default -> {
                    if (c == '\n' || c == '\r' || c == '\t') {
                        sb.append(' ');
                    } else if (!Character.isISOControl(c) && c != '\uE000') {
                        sb.append(c);
                    }
                }
            }
        }
        String s = sb.toString();
        // √12 in plain text is the root of the whole number, unlike LaTeX's \sqrt12
        int at = s.indexOf("\\sqrt");
        if (at >= 0 && raw.indexOf('\u221A') >= 0) {
            s = s.replaceAll("\\\\sqrt(\\d+)", "\\\\sqrt{$1}");
        }
        return s;
    }

    /** Replaces each {@code \wrapper{content}} by its content (brace-matched, innermost last). */
    private static String unwrapAll(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        for (String w : WRAPPERS) {
            int from = 0;
            int at;
            while ((at = s.indexOf(w, from)) >= 0) {
                int after = at + w.length();
                if (after < s.length() && Character.isLetter(s.charAt(after))) {
                    from = after;
                    continue;
                }
                int open = after;
                while (open < s.length() && s.charAt(open) == ' ') {
                    open++;
                }
                if (open >= s.length() || s.charAt(open) != '{') {
                    // \boxed 5 and \mathrm e: drop the command, keep what follows
                    s = s.substring(0, at) + s.substring(after);
                    from = at;
                    continue;
                }
                int close = matchingBrace(s, open);
                if (close < 0) {
                    s = s.substring(0, at) + s.substring(open + 1);
                    from = at;
                    continue;
                }
                s = s.substring(0, at) + s.substring(open + 1, close) + s.substring(close + 1);
                from = at;
            }
        }
        return s;
    }

    /** The index of the brace closing the one at {@code open}, or -1; escaped braces do not count. */
    public static int matchingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static String collapseSpaces(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                space = true;
            } else {
                if (space && sb.length() > 0) {
                    sb.append(' ');
                }
                space = false;
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String stripTrailingPunctuation(String s) {
        int end = s.length();
        while (end > 0) {
            char c = s.charAt(end - 1);
            if (c == '.' || c == ',' || c == ';' || c == ':' || c == ' ') {
                end--;
            } else if (c == ROW_BREAK.charAt(0)) {
                end--;
            } else {
                break;
            }
        }
        return s.substring(0, end);
    }

    private static String stripUnitWords(String s) {
        Matcher m = UNIT_TAIL.matcher(s);
        if (!m.matches()) {
            return s;
        }
        Matcher w = WORD.matcher(m.group(2));
        boolean sawLongWord = false;
        while (w.find()) {
            String word = w.group().toLowerCase(Locale.ROOT);
            if (NOT_UNITS.contains(word)) {
                return s;
            }
            sawLongWord |= word.length() >= 2;
        }
        if (!sawLongWord) {
            return s;
        }
        return stripTrailingPunctuation(m.group(1).trim());
    }

    private static boolean startsWithBracket(String s) {
        return s.startsWith("(") || s.startsWith("[") || s.startsWith("{") || s.startsWith("\\{");
    }

    private static String removeAll(Pattern p, String s, char separator) {
        Matcher m = p.matcher(s);
        StringBuilder sb = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            sb.append(s, last, m.start());
            for (int i = m.start(); i < m.end(); i++) {
                if (s.charAt(i) != separator) {
                    sb.append(s.charAt(i));
                }
            }
            last = m.end();
        }
        sb.append(s, last, s.length());
        return sb.toString();
    }

    /** {@code 0.1\overline{6}} is the fraction {@code 1/6}; written out exactly so the parser keeps it rational. */
    private static String repeatingDecimals(String s) {
        Matcher m = REPEATING_DECIMAL.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String whole = m.group(1).isEmpty() ? "0" : m.group(1);
            String fixed = m.group(2);
            String repeating = m.group(3) != null ? m.group(3) : m.group(4);
            // value = (whole.fixed repeating... ) = (N(whole fixed repeating) - N(whole fixed)) / (10^f (10^r - 1))
            BigInteger all = new BigInteger(whole + fixed + repeating);
            BigInteger head = new BigInteger(whole + fixed);
            BigInteger numerator = all.subtract(head);
            BigInteger denominator = BigInteger.TEN.pow(fixed.length())
                    .multiply(BigInteger.TEN.pow(repeating.length()).subtract(BigInteger.ONE));
            m.appendReplacement(sb, Matcher.quoteReplacement("\\frac{" + numerator + "}{" + denominator + "}"));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String mixedNumber(String s) {
        Matcher m = MIXED_NUMBER.matcher(s);
        if (!m.matches()) {
            return s;
        }
        long whole = Long.parseLong(m.group(2));
        long num = Long.parseLong(m.group(3));
        long den = Long.parseLong(m.group(4));
        if (den == 0 || num >= den) {
            return s;
        }
        return m.group(1) + "\\frac{" + (whole * den + num) + "}{" + den + "}";
    }
}
