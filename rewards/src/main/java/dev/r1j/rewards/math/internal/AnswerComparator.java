package dev.r1j.rewards.math.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares two extracted answers: normalises both, recognises multiple-choice letters and text
 * answers, parses the rest and hands the trees to {@link Equivalence}. Any failure to parse the
 * prediction is a "not equal" verdict with a reason, never an exception.
 */
public final class AnswerComparator {

    /** The longest answer that is parsed; longer ones only match a gold answer that is identical. */
    public static final int MAX_ANSWER_CHARS = 4000;

    private static final Pattern CHOICE_GOLD = Pattern.compile("^\\(?([A-Z])\\)?$");
    private static final Pattern CHOICE_PRED = Pattern.compile("^\\(?([A-Za-z])\\)?$");

    private final Equivalence.Settings settings;

    public AnswerComparator(Equivalence.Settings settings) {
        this.settings = settings;
    }

    /** The outcome of one comparison. */
    public record Outcome(boolean equal, String reason) {
    }

    /** Compares {@code gold} with {@code pred} within {@code budget}; throws only {@link BudgetExceededException}. */
    public Outcome compare(String gold, String pred, Budget budget) {
        if (gold == null || gold.isBlank()) {
            return new Outcome(false, "gold answer is empty");
        }
        if (pred == null || pred.isBlank()) {
            return new Outcome(false, "extracted answer is empty");
        }
        if (gold.length() > MAX_ANSWER_CHARS || pred.length() > MAX_ANSWER_CHARS) {
            boolean same = gold.strip().equals(pred.strip());
            return new Outcome(same, same ? "identical long answers"
                    : "answer longer than " + MAX_ANSWER_CHARS + " characters");
        }
        String g = AnswerNormalizer.normalize(gold);
        String p = AnswerNormalizer.normalize(pred);
        if (p.isEmpty()) {
            return new Outcome(false, "extracted answer is empty after normalisation");
        }
        if (g.isEmpty()) {
            return new Outcome(false, "gold answer is empty after normalisation");
        }
        if (g.equals(p)) {
            return new Outcome(true, "identical after normalisation");
        }
        Matcher choice = CHOICE_GOLD.matcher(g);
        if (choice.matches()) {
            Matcher pc = CHOICE_PRED.matcher(p);
            boolean same = pc.matches() && pc.group(1).equalsIgnoreCase(choice.group(1));
            return new Outcome(same, same ? "same choice" : "different choice");
        }
        if (looksLikeText(g)) {
            boolean same = textKey(g).equals(textKey(p));
            return new Outcome(same, same ? "same text" : "different text");
        }
        if (looksLikeText(p)) {
            // words against a math gold: reading "abc" as a*b*c would only invite false matches
            return new Outcome(false, "answer is text, gold answer is math");
        }
        Outcome outcome = compareMath(g, p, budget);
        if (!outcome.equal()) {
            // 1000,99 and 2,74: a comma between digits that is no thousands separator is a decimal comma
            String gd = decimalComma(g);
            String pd = decimalComma(p);
            if (!gd.equals(g) || !pd.equals(p)) {
                Outcome again = compareMath(gd, pd, budget);
                if (again.equal()) {
                    return new Outcome(true, again.reason() + " (reading a decimal comma)");
                }
            }
        }
        return outcome;
    }

    private static final Pattern DECIMAL_COMMA = Pattern.compile("^(-?\\d+),(\\d+)$");

    private static String decimalComma(String s) {
        Matcher m = DECIMAL_COMMA.matcher(s);
        return m.matches() ? m.group(1) + "." + m.group(2) : s;
    }

    private Outcome compareMath(String g, String p, Budget budget) {
        budget.tick();
        Expr goldTree;
        try {
            goldTree = ExprParser.parse(g, budget);
        } catch (ParseFailure e) {
            boolean same = textKey(g).equals(textKey(p));
            return new Outcome(same, same ? "same text (gold is not math)" : "gold is not math and texts differ");
        }
        Expr predTree;
        try {
            predTree = ExprParser.parse(p, budget);
        } catch (ParseFailure e) {
            return new Outcome(false, "unparseable answer: " + e.getMessage());
        }
        boolean same = new Equivalence(settings, budget).equal(goldTree, predTree);
        return new Outcome(same, same ? "equivalent" : "not equivalent");
    }

    /**
     * Whether an answer is words rather than math: a run of three or more letters that is no known
     * name, outside commands and subscripts ({@code S_{MBCN}} is a name).
     */
    static boolean looksLikeText(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\') {
                int nameStart = ++i;
                while (i < n && Lexer.isAsciiLetter(s.charAt(i))) {
                    i++;
                }
                String name = s.substring(nameStart, i);
                if ((name.equals("begin") || name.equals("end")) && i < n && s.charAt(i) == '{') {
                    int close = s.indexOf('}', i);
                    i = close < 0 ? n : close + 1;
                }
                continue;
            }
            if (c == '_') {
                i++;
                if (i < n && s.charAt(i) == '{') {
                    int close = s.indexOf('}', i);
                    i = close < 0 ? n : close + 1;
                }
                continue;
            }
            if (Character.isLetter(c)) {
                int start = i;
                while (i < n && Character.isLetter(s.charAt(i))) {
                    i++;
                }
                if (i - start >= 3 && !isKnownWord(s.substring(start, i))) {
                    return true;
                }
                continue;
            }
            i++;
        }
        return false;
    }

    /** Whether {@code s} starts with a function or constant name the parser reads ({@code sqrt 2}, {@code pi}). */
    static boolean startsWithMathWord(String s) {
        String t = s.stripLeading();
        for (String w : Lexer.PLAIN_WORDS) {
            if (t.startsWith(w) && (t.length() == w.length() || !Lexer.isAsciiLetter(t.charAt(w.length())))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isKnownWord(String run) {
        String rest = run;
        while (!rest.isEmpty()) {
            String matched = null;
            for (String w : Lexer.PLAIN_WORDS) {
                if (rest.startsWith(w)) {
                    matched = w;
                    break;
                }
            }
            if (matched == null) {
                return false;
            }
            rest = rest.substring(matched.length());
        }
        return true;
    }

    private static String textKey(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c)) {
                sb.append(c);
            }
        }
        String key = sb.toString().toLowerCase(Locale.ROOT);
        while (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        return key;
    }
}
