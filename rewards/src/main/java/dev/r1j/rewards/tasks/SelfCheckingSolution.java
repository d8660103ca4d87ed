package dev.r1j.rewards.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worked solution rewritten so that every step is verified a second way, the form of the
 * self-checking solutions of a pre-training corpus: a model that has seen some of them can learn to
 * check its own steps, and, from the ones with a slip, that a failed check is followed by a redo.
 *
 * <p>The input is a generator's {@link TaskGenerator#SOLUTION}: one step a line, each {@code a op b=c}
 * with integers and {@code op} one of {@code + - * /}; a negative operand is written in parentheses,
 * as {@link ExpressionTask} writes it ({@code (-4)*3=-12}; a bare {@code -4*3=-12} is read too), a
 * negative result bare. Each step line is followed by its check, computed by the inverse operation
 * (or, for a product, with the factors swapped), so that the check is arithmetic of its own rather
 * than the step repeated:
 * <pre>
 *   a+b=c   check c-b=a ok
 *   a-b=c   check c+b=a ok
 *   a*b=c   check b*a=c ok
 *   a/b=c   check c*b=a ok
 * </pre>
 * A solution with a slip writes one step first with a wrong result {@code c'}, checks it honestly on
 * what was written ({@code check c'-b=<c'-b> wait}, {@code check c'+b=<c'+b> wait},
 * {@code check b*a=<a*b> wait}, {@code check c'*b=<c'*b> wait}), which disagrees with the step, then
 * writes the step again correctly with its passing check, and goes on. Every check line's arithmetic
 * is true; an {@code ok} check agrees with its step, a {@code wait} check does not, and the last step
 * still ends in the answer. {@link CheckStyle#SPLIT} checks sums and products instead by recomputing
 * them in easier parts ({@code 37*6=222} is checked by {@code check 30*6=180 7*6=42 180+42=222 ok}),
 * and {@link #withSlip(String, CheckStyle, RandomGenerator)} says where the slipped result lies, so a
 * corpus can leave it out of the loss. The class is pure: the same text and the same random draws give the same
 * result.
 */
public final class SelfCheckingSolution {

    /** First line of a worked solution that does not check its steps, in a corpus where some do. */
    public static final String PLAIN_MODE = "solve";
    /** First line of a worked solution that checks its steps: the choice to check is the token after {@code solve}. */
    public static final String CHECK_MODE = "solve and check";

    /**
     * The errors a slip adds to a result, in the order a draw indexes them: small ones, as a person
     * or a small model drops or adds a carry; {@code ±100} only for results of three digits or more.
     */
    private static final long[] SMALL_ERRORS = {1, -1, 2, -2, 10, -10};
    private static final long[] ERRORS = {1, -1, 2, -2, 10, -10, 100, -100};

    private static final String NUMBER = "(\\(-\\d+\\)|-?\\d+)";
    private static final Pattern STEP = Pattern.compile(NUMBER + "([-+*/])" + NUMBER + "=(-?\\d+)");

    private SelfCheckingSolution() {}

    /**
     * {@code solution} with every step followed by its passing check; an empty solution stays empty.
     *
     * @throws IllegalArgumentException naming the line when a line is not {@code a op b=c} or is not true
     */
    public static String checked(String solution) {
        return checked(solution, CheckStyle.INVERSE);
    }

    /**
     * {@code solution} with every step followed by its passing check in {@code style}; an empty
     * solution stays empty.
     *
     * @throws IllegalArgumentException naming the line when a line is not {@code a op b=c} or is not true
     */
    public static String checked(String solution, CheckStyle style) {
        StringBuilder out = new StringBuilder();
        for (Step s : parse(solution)) {
            s.appendChecked(out, style);
        }
        return trimmed(out);
    }

    /** Characters {@code [start, end)} of a text. */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("a span [" + start + ", " + end + ") must be non-empty and start at 0 or later");
            }
        }

        /** The same characters {@code offset} further on: where they lie once the text is placed after {@code offset} others. */
        public Span shifted(int offset) {
            return new Span(start + offset, end + offset);
        }
    }

    /**
     * A checking solution with slips, and where each slipped result lies in it, in order: spans of
     * {@code text} that a pre-training corpus can leave out of the loss, so that a model learns to
     * catch and redo slips without learning to make them.
     */
    public record Slipped(String text, List<Span> slips) {
        public Slipped {
            slips = List.copyOf(slips);
            for (Span span : slips) {
                if (span.end() > text.length()) {
                    throw new IllegalArgumentException("slip " + span + " ends past the text's " + text.length() + " characters");
                }
            }
        }
    }

    /**
     * {@code solution} with every step checked and one slip: the step at index {@code rng.nextInt(steps)}
     * is first written with its result plus the error {@code rng.nextInt(...)} picks among
     * {@code +1, -1, +2, -2, +10, -10} (and {@code +100, -100} when the result is 100 or more in
     * magnitude), checked, found wrong, and redone. Exactly those two draws are made, in that order.
     *
     * @throws IllegalArgumentException naming the line when a line is not {@code a op b=c} or is not
     *                                  true, or when the solution has no step to slip on
     */
    public static String withSlip(String solution, RandomGenerator rng) {
        return withSlip(solution, CheckStyle.INVERSE, rng).text();
    }

    /**
     * {@link #withSlip(String, RandomGenerator)} with checks in {@code style}, and the span of the
     * slipped result. The draws are the same two, so the slip lands where it would in either style.
     *
     * @throws IllegalArgumentException naming the line when a line is not {@code a op b=c} or is not
     *                                  true, or when the solution has no step to slip on
     */
    public static Slipped withSlip(String solution, CheckStyle style, RandomGenerator rng) {
        List<Step> steps = parse(solution);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a slip needs a step to slip on; the solution is empty");
        }
        int at = rng.nextInt(steps.size());
        Step slipped = steps.get(at);
        long wrong = slipped.wrongResult(rng);
        StringBuilder out = new StringBuilder();
        List<Span> slips = new ArrayList<>(1);
        for (int i = 0; i < steps.size(); i++) {
            if (i == at) {
                slips.add(steps.get(i).appendSlip(out, wrong, style));
            }
            steps.get(i).appendChecked(out, style);
        }
        return new Slipped(trimmed(out), slips);
    }

    /**
     * {@code solution} with every step checked, each step slipping on its own with probability
     * {@code stepShare}: a slipped step is written with a wrong result (drawn as
     * {@link #withSlip(String, RandomGenerator)} draws it), checked, found wrong, and written again with
     * the true result, which the check has just computed (in {@link CheckStyle#SPLIT}) and which is
     * not checked a second time. So a check that passes and a check that fails are about as common
     * as the share makes them, and a model cannot learn to pass a check by copying its step's result.
     * Per step, one draw decides the slip and, for a slip, one more picks the error.
     *
     * @throws IllegalArgumentException naming the line when a line is not {@code a op b=c} or is not
     *                                  true, or when {@code stepShare} is not in [0, 1]
     */
    public static Slipped withSlips(String solution, CheckStyle style, double stepShare, RandomGenerator rng) {
        if (!(stepShare >= 0 && stepShare <= 1)) {
            throw new IllegalArgumentException("the share of steps that slip must be in [0, 1], was " + stepShare);
        }
        StringBuilder out = new StringBuilder();
        List<Span> slips = new ArrayList<>();
        for (Step step : parse(solution)) {
            if (rng.nextDouble() < stepShare) {
                slips.add(step.appendSlip(out, step.wrongResult(rng), style));
                out.append(step.text()).append('\n');
            } else {
                step.appendChecked(out, style);
            }
        }
        return new Slipped(trimmed(out), slips);
    }

    private static String trimmed(StringBuilder out) {
        if (out.length() > 0) {
            out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    /** The steps of {@code solution}, each verified to be true. */
    private static List<Step> parse(String solution) {
        List<Step> steps = new ArrayList<>();
        if (solution.isEmpty()) {
            return steps;
        }
        String[] lines = solution.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            steps.add(Step.parse(i + 1, lines[i]));
        }
        return steps;
    }

    private static long exact(Step s, java.util.function.LongSupplier arithmetic) {
        try {
            return arithmetic.getAsLong();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("line " + s.line() + " '" + s.text() + "': its check overflows a long", e);
        }
    }

    /** One step {@code a op b=c} as written ({@code left} is the text before {@code =}), from line {@code line}. */
    private record Step(int line, String text, String left, long a, char op, long b, long c) {

        static Step parse(int line, String text) {
            Matcher m = STEP.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("line " + line + " '" + text
                        + "' is not a step of the form a op b=c (integers, op one of + - * /, a negative operand in parentheses)");
            }
            long a;
            long b;
            long c;
            try {
                a = number(m.group(1));
                b = number(m.group(3));
                c = Long.parseLong(m.group(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + line + " '" + text + "': a number does not fit in a long", e);
            }
            Step s = new Step(line, text, text.substring(0, m.start(4) - 1), a, m.group(2).charAt(0), b, c);
            Long value = s.value();
            if (value == null || value != c) {
                throw new IllegalArgumentException("line " + line + " '" + text + "' is not true"
                        + (value == null ? "" : ": it makes " + value) + "; a checked solution starts from true steps");
            }
            return s;
        }

        private static long number(String text) {
            return Long.parseLong(text.startsWith("(") ? text.substring(1, text.length() - 1) : text);
        }

        /** {@code a op b}, or null when it is no integer (division by zero, a remainder, overflow). */
        private Long value() {
            try {
                return switch (op) {
                    case '+' -> Math.addExact(a, b);
                    case '-' -> Math.subtractExact(a, b);
                    case '*' -> Math.multiplyExact(a, b);
                    default -> b == 0 || a % b != 0 ? null : a / b;
                };
            } catch (ArithmeticException e) {
                return null;
            }
        }

        /** A slipped result: {@code c} plus an error drawn with one {@code rng.nextInt} among those its size allows. */
        long wrongResult(RandomGenerator rng) {
            long[] errors = Math.abs(c) >= 100 ? ERRORS : SMALL_ERRORS;
            return exact(this, () -> Math.addExact(c, errors[rng.nextInt(errors.length)]));
        }

        /** The step as written, then its passing check. */
        void appendChecked(StringBuilder out, CheckStyle style) {
            out.append(text).append('\n');
            appendCheck(out, c, style);
            out.append(" ok\n");
        }

        /**
         * The step written with {@code wrong} as its result, then its check, computed on what was
         * written, which fails; returns where {@code wrong} was written.
         */
        Span appendSlip(StringBuilder out, long wrong, CheckStyle style) {
            out.append(left).append('=');
            Span at = new Span(out.length(), out.length() + Long.toString(wrong).length());
            out.append(wrong).append('\n');
            appendCheck(out, wrong, style);
            out.append(" wait\n");
            return at;
        }

        /** {@code check ...}: the second way of computing a step whose written result is {@code result}. */
        private void appendCheck(StringBuilder out, long result, CheckStyle style) {
            out.append("check ");
            boolean split = style.splits() && appendSplit(out);
            if (!split) {
                appendInverse(out, result);
            }
            if (style == CheckStyle.SPLIT_COMPARED) {
                // The number the check's result must equal, written beside it, so that the verdict
                // compares two neighbours rather than numbers a line apart.
                out.append(" vs ").append(split || op == '*' ? result : a);
            }
        }

        /** {@link CheckStyle#INVERSE}'s check of a step whose written result is {@code result}. */
        private void appendInverse(StringBuilder out, long result) {
            switch (op) {
                case '+' -> out.append(operand(result)).append('-').append(operand(b)).append('=')
                        .append(exact(this, () -> Math.subtractExact(result, b)));
                case '-' -> out.append(operand(result)).append('+').append(operand(b)).append('=')
                        .append(exact(this, () -> Math.addExact(result, b)));
                // The product is computed again with the factors swapped, whatever was written.
                case '*' -> out.append(operand(b)).append('*').append(operand(a)).append('=').append(c);
                default -> out.append(operand(result)).append('*').append(operand(b)).append('=')
                        .append(exact(this, () -> Math.multiplyExact(result, b)));
            }
        }

        /**
         * {@link CheckStyle#SPLIT}'s check of a sum or product of non-negative operands, when one of
         * them splits into a leading part and a non-zero rest: the parts' results and their sum, which
         * is {@code c} whatever the step wrote. False, writing nothing, when there is nothing to split.
         */
        private boolean appendSplit(StringBuilder out) {
            if ((op != '+' && op != '*') || a < 0 || b < 0) {
                return false;
            }
            boolean splitA = splits(a) && (!splits(b) || digits(a) >= digits(b));
            if (!splitA && !splits(b)) {
                return false;
            }
            long whole = splitA ? a : b;
            long other = splitA ? b : a;
            long unit = leadingUnit(whole);
            long high = whole / unit * unit;
            long low = whole - high;
            if (op == '*') {
                // a*b = high*other + low*other; the factor that was split is written first, as in the step.
                long x = exact(this, () -> Math.multiplyExact(high, other));
                long y = exact(this, () -> Math.multiplyExact(low, other));
                out.append(splitA ? high + "*" + other : other + "*" + high).append('=').append(x).append(' ')
                        .append(splitA ? low + "*" + other : other + "*" + low).append('=').append(y).append(' ')
                        .append(x).append('+').append(y).append('=').append(exact(this, () -> Math.addExact(x, y)));
            } else {
                // a+b = (other + high) + low: a round number first, then the rest.
                long x = exact(this, () -> Math.addExact(other, high));
                out.append(other).append('+').append(high).append('=').append(x).append(' ')
                        .append(x).append('+').append(low).append('=').append(exact(this, () -> Math.addExact(x, low)));
            }
            return true;
        }

        /** Whether {@code n} >= 10 has a non-zero rest after its leading digit (37 does, 30 and 7 do not). */
        private static boolean splits(long n) {
            long unit = leadingUnit(n);
            return unit > 1 && n % unit != 0;
        }

        /** The place value of the leading digit of {@code n} >= 0: 1 for 7, 10 for 37, 100 for 408. */
        private static long leadingUnit(long n) {
            long unit = 1;
            while (n / unit >= 10) {
                unit *= 10;
            }
            return unit;
        }

        private static int digits(long n) {
            return Long.toString(n).length();
        }

        /** A number as an operand: negative ones in parentheses, as the generators write them. */
        private static String operand(long n) {
            return n < 0 ? "(" + n + ")" : Long.toString(n);
        }
    }
}
