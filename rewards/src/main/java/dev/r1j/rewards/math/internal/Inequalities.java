package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads an inequality in one variable ({@code x > 3}, {@code 3 \le x}, {@code -2 < x \le 5}) as the
 * interval of values it allows, so that it compares with an interval answer.
 */
final class Inequalities {

    private static final String[] RELATIONS = {"\\le", "\\ge", "<", ">"};

    private Inequalities() {}

    /** The interval {@code s} describes, or null when {@code s} has no relation. */
    static Answer parse(String s, Budget budget) {
        List<String> parts = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0) {
                for (String r : RELATIONS) {
                    if (s.startsWith(r, i) && !(r.startsWith("\\") && i + r.length() < s.length()
                            && Character.isLetter(s.charAt(i + r.length())))) {
                        parts.add(s.substring(start, i));
                        ops.add(r);
                        start = i + r.length();
                        i = start - 1;
                        break;
                    }
                }
            }
        }
        if (ops.isEmpty()) {
            return null;
        }
        parts.add(s.substring(start));
        if (parts.size() == 2) {
            Expr left = ExprParser.parse(parts.get(0).strip(), budget);
            Expr right = ExprParser.parse(parts.get(1).strip(), budget);
            String op = ops.get(0);
            if (isVariable(left)) {
                return bound(right, op, true);
            }
            if (isVariable(right)) {
                return bound(left, op, false);
            }
            throw new ExprParser.ParseFailure("inequality without a lone variable");
        }
        if (parts.size() == 3) {
            Expr low = ExprParser.parse(parts.get(0).strip(), budget);
            Expr middle = ExprParser.parse(parts.get(1).strip(), budget);
            Expr high = ExprParser.parse(parts.get(2).strip(), budget);
            boolean ascending = isLess(ops.get(0)) && isLess(ops.get(1));
            boolean descending = !isLess(ops.get(0)) && !isLess(ops.get(1));
            if (!isVariable(middle) || !(ascending || descending)) {
                throw new ExprParser.ParseFailure("unsupported inequality chain");
            }
            if (ascending) {
                return new Answer.Interval(low, ops.get(0).equals("\\le"), high, ops.get(1).equals("\\le"));
            }
            return new Answer.Interval(high, ops.get(1).equals("\\ge"), low, ops.get(0).equals("\\ge"));
        }
        throw new ExprParser.ParseFailure("too many relations");
    }

    private static boolean isLess(String op) {
        return op.equals("<") || op.equals("\\le");
    }

    private static boolean isVariable(Expr e) {
        return e instanceof Expr.Sym s && !Expr.CONSTANTS.contains(s.name());
    }

    /** {@code variable op bound} when {@code variableOnLeft}, else {@code bound op variable}. */
    private static Answer bound(Expr value, String op, boolean variableOnLeft) {
        boolean upper = variableOnLeft == isLess(op); // x < a or a > x: a is an upper bound
        boolean closed = op.startsWith("\\");
        Expr inf = new Expr.Sym("inf");
        return upper ? new Answer.Interval(new Expr.Neg(inf), false, value, closed)
                : new Answer.Interval(value, closed, inf, false);
    }
}
