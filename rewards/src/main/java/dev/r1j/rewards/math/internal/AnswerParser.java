package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a normalised answer string into an {@link Answer}, trying the structured shapes first. */
public final class AnswerParser {

    private static final Pattern CHOICE = Pattern.compile("^\\(?\\s*([A-Ea-e])\\s*\\)?[.:]?$");
    private static final Pattern MATRIX = Pattern.compile("^\\\\begin\\{[pbvBV]?matrix\\}(.*)\\\\end\\{[pbvBV]?matrix\\}$",
            Pattern.DOTALL);

    private AnswerParser() {}

    /** Parses {@code raw} (an extracted answer); {@code choiceExpected} when the gold is a letter. */
    public static Answer parse(String raw, boolean choiceExpected, Budget budget) {
        Normalizer.Normalized n = Normalizer.normalize(raw);
        String s = n.text().replace("<=", "\\le ").replace(">=", "\\ge ").replace("\\mp", "\\pm");
        if (s.isEmpty()) {
            return new Answer.Text("");
        }
        if (choiceExpected) {
            Matcher m = CHOICE.matcher(s);
            if (m.matches()) {
                return new Answer.Choice(Character.toUpperCase(m.group(1).charAt(0)));
            }
        }
        try {
            return structured(s, n.percent(), budget);
        } catch (ExprParser.ParseFailure e) {
            return new Answer.Text(textKey(s));
        }
    }

    /** The gold answer's shape decides how a prediction is read; a lone capital A-E is a choice. */
    public static boolean looksLikeChoice(String gold) {
        String s = Normalizer.normalize(gold).text();
        return s.matches("^\\(?[A-E]\\)?$");
    }

    private static Answer structured(String s, boolean percent, Budget budget) {
        Matcher matrix = MATRIX.matcher(s);
        if (matrix.matches()) {
            List<List<Expr>> rows = new ArrayList<>();
            for (String row : matrix.group(1).split("\\\\\\\\")) {
                if (row.isBlank()) {
                    continue;
                }
                List<Expr> cells = new ArrayList<>();
                for (String cell : row.split("&")) {
                    cells.add(ExprParser.parse(cell.strip(), budget));
                }
                rows.add(cells);
            }
            return new Answer.Matrix(rows);
        }
        List<String> unionParts = Splitter.topLevel(s, "\\cup");
        if (unionParts.size() > 1) {
            List<Answer.Interval> parts = new ArrayList<>();
            for (String part : unionParts) {
                Answer a = structured(part.strip(), false, budget);
                if (!(a instanceof Answer.Interval iv)) {
                    throw new ExprParser.ParseFailure("union of non-intervals");
                }
                parts.add(iv);
            }
            return new Answer.Union(parts);
        }
        if (s.startsWith("\\{") && s.endsWith("\\}") && Splitter.enclosesAll(s, 2)) {
            String inner = s.substring(2, s.length() - 2).strip();
            return new Answer.Items(items(inner, budget), false);
        }
        char first = s.charAt(0);
        char last = s.charAt(s.length() - 1);
        if ((first == '(' || first == '[') && (last == ')' || last == ']') && Splitter.enclosesAll(s, 1)) {
            List<String> parts = Splitter.topLevel(s.substring(1, s.length() - 1), ",");
            if (parts.size() == 2 && (first != '(' || last != ')' || s.contains("\\infty"))) {
                return new Answer.Interval(ExprParser.parse(parts.get(0), budget), first == '[',
                        ExprParser.parse(parts.get(1), budget), last == ']');
            }
            if (parts.size() >= 2 && first == '(' && last == ')') {
                List<Answer> items = new ArrayList<>();
                for (String p : parts) {
                    items.add(structured(p.strip(), false, budget));
                }
                return new Answer.Items(items, true);
            }
        }
        Answer inequality = Inequalities.parse(s, budget);
        if (inequality != null) {
            return inequality;
        }
        List<String> sides = Splitter.topLevel(s, "=");
        if (sides.size() >= 2) {
            return new Answer.Equation(ExprParser.parse(sides.get(0), budget),
                    ExprParser.parse(sides.get(sides.size() - 1), budget));
        }
        String plain = Normalizer.dropThousandsSeparators(s);
        List<String> commas = Splitter.topLevel(plain, ",");
        if (commas.size() > 1) {
            return new Answer.Items(items(plain, budget), false);
        }
        int pm = plain.indexOf("\\pm");
        if (pm >= 0) {
            String plus = plain.substring(0, pm) + "+" + plain.substring(pm + 3);
            String minus = plain.substring(0, pm) + "-" + plain.substring(pm + 3);
            return new Answer.Items(List.of(new Answer.Scalar(ExprParser.parse(plus, budget), percent),
                    new Answer.Scalar(ExprParser.parse(minus, budget), percent)), false);
        }
        return new Answer.Scalar(ExprParser.parse(plain, budget), percent);
    }

    private static List<Answer> items(String inner, Budget budget) {
        List<Answer> out = new ArrayList<>();
        if (inner.isEmpty()) {
            return out;
        }
        for (String part : Splitter.topLevel(inner, ",")) {
            out.add(structured(part.strip(), false, budget));
        }
        return out;
    }

    /** Case- and space-insensitive key of a text answer. */
    public static String textKey(String s) {
        return s.toLowerCase(java.util.Locale.ROOT).replaceAll("[\\s{}]+", " ").replaceAll("[.,;:!]+$", "").strip();
    }
}
