package dev.r1j.rewards.math.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text-level clean-up of an extracted answer before parsing: presentation-only LaTeX is removed,
 * unicode operators become ASCII, and decorations that do not change the value (dollars, degrees,
 * trailing units and periods) are dropped. What changes the value (a percent sign) is reported, not
 * dropped silently.
 */
public final class Normalizer {

    /** A normalised answer and whether it carried a percent sign. */
    public record Normalized(String text, boolean percent) {}

    private static final String[][] REPLACEMENTS = {
        {"\\left", ""}, {"\\right", ""}, {"\\big", ""}, {"\\Big", ""}, {"\\displaystyle", ""},
        {"\\!", ""}, {"\\,", " "}, {"\\;", " "}, {"\\:", " "}, {"\\ ", " "}, {"\\quad", " "}, {"\\qquad", " "},
        {"~", " "}, {"\\dfrac", "\\frac"}, {"\\tfrac", "\\frac"}, {"\\cfrac", "\\frac"},
        {"\\leq", "\\le"}, {"\\geq", "\\ge"}, {"\\leqslant", "\\le"}, {"\\geqslant", "\\ge"},
        {"\\lt", "<"}, {"\\gt", ">"}, {"\\neq", "\\ne"},
        {"\\lbrace", "\\{"}, {"\\rbrace", "\\}"}, {"\\emptyset", "\\{\\}"}, {"\\varnothing", "\\{\\}"},
        {"\u2212", "-"}, {"\u2013", "-"}, {"\u00d7", "*"}, {"\u00f7", "/"}, {"\u00b7", "*"}, {"\u22c5", "*"},
        {"\u03c0", "\\pi "}, {"\u221a", "\\sqrt"}, {"\u221e", "\\infty "}, {"\u2264", "\\le "}, {"\u2265", "\\ge "},
        {"\u00b1", "\\pm "}, {"\u222a", "\\cup "}, {"\u2260", "\\ne "},
        {"^\\circ", ""}, {"^{\\circ}", ""}, {"\\circ", ""}, {"\u00b0", ""}, {"\\degree", ""},
        {"\\$", ""}, {"$", ""}, {"\\%", "%"},
    };

    private static final Pattern TEXT_COMMAND = Pattern.compile("\\\\(?:text|textbf|textit|mathrm|mathbf|mathit|operatorname|mbox|rm)\\s*\\{([^{}]*)\\}");
    private static final Pattern THOUSANDS_LATEX = Pattern.compile("(\\d)(?:\\{,\\}|\\\\,|\\s)(\\d{3})(?!\\d)");
    /** A number then unit words ("12 dollars", "5cm", "3 m^2"), but not "2pi", "5x" or "3i". */
    private static final Pattern NUMBER_THEN_WORDS = Pattern.compile(
            "^(-?[0-9][0-9.,/]*)(?:\\s*(?!(?:pi|sqrt|sin|cos|tan|ln|log|exp)\\b)[a-zA-Z]{2,}[a-zA-Z .]*"
            + "|\\s+(?![ei]\\b)[a-zA-Z](?:\\s*\\^\\s*[23])?)$");
    private static final Pattern LEADING_ZEROS = Pattern.compile("(?<![0-9.,])0+(\\d)");
    /** A mixed number as a whole answer: 2\frac{1}{2} or 2 1/2 is 2 + 1/2, not 2 * 1/2. */
    private static final Pattern MIXED_LATEX = Pattern.compile("^(-?)(\\d+)\\s*\\\\frac\\{(\\d+)\\}\\{(\\d+)\\}$");
    private static final Pattern MIXED_PLAIN = Pattern.compile("^(-?)(\\d+)\\s+(\\d+)/(\\d+)$");

    private Normalizer() {}

    public static Normalized normalize(String raw) {
        String s = raw.strip();
        for (String[] r : REPLACEMENTS) {
            if (s.contains(r[0])) {
                s = s.replace(r[0], r[1]);
            }
        }
        // \text{cm} and friends: keep the words, drop the command (a text answer is its words).
        Matcher m = TEXT_COMMAND.matcher(s);
        int guard = 0;
        while (m.find() && guard++ < 50) {
            s = m.replaceAll(mr -> Matcher.quoteReplacement(" " + mr.group(1).strip() + " "));
            m = TEXT_COMMAND.matcher(s);
        }
        s = s.strip();
        // Thousands separators written as {,} or \, or a thin space: 1{,}000 -> 1000.
        for (int i = 0; i < 4; i++) {
            String next = THOUSANDS_LATEX.matcher(s).replaceAll("$1$2");
            if (next.equals(s)) {
                break;
            }
            s = next;
        }
        while (s.endsWith(".") && !s.endsWith("..")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        boolean percent = false;
        if (s.endsWith("%")) {
            percent = true;
            s = s.substring(0, s.length() - 1).strip();
        }
        // "12 dollars", "5 cm", "3 m^2": a number followed by unit words is the number.
        Matcher units = NUMBER_THEN_WORDS.matcher(s);
        if (units.matches()) {
            s = units.group(1);
            if (s.endsWith("%")) {
                percent = true;
                s = s.substring(0, s.length() - 1);
            }
        }
        s = LEADING_ZEROS.matcher(s).replaceAll("$1").strip();
        for (Pattern mixed : new Pattern[] {MIXED_LATEX, MIXED_PLAIN}) {
            Matcher mm = mixed.matcher(s);
            if (mm.matches()) {
                s = mm.group(1) + "(" + mm.group(2) + "+" + mm.group(3) + "/" + mm.group(4) + ")";
            }
        }
        return new Normalized(s, percent);
    }

    /** Plain-number thousands separators (1,234,567 or -1,000.5), only when the whole text is one number. */
    public static String dropThousandsSeparators(String s) {
        return s.matches("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?") ? s.replace(",", "") : s;
    }
}
