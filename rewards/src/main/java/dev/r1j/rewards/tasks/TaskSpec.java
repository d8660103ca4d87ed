package dev.r1j.rewards.tasks;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names a generator in a config file or on the command line; {@link TaskGenerator#name()} prints the
 * same form, so a name read back gives the same generator.
 * <ul>
 *   <li>{@code mulAxB}: {@link MultiplicationTask} of an A-digit by a B-digit number, e.g. {@code mul2x2};</li>
 *   <li>{@code exprMIN-MAX[:TOP]}: {@link ExpressionTask} of MIN to MAX operands in [1, TOP] (default 9),
 *       e.g. {@code expr3-4};</li>
 *   <li>{@code countdownN[:TOP]}: {@link CountdownTask} with N numbers up to TOP (default 50).</li>
 * </ul>
 */
public final class TaskSpec {

    private static final Pattern MUL = Pattern.compile("mul(\\d)x(\\d)");
    private static final Pattern EXPR = Pattern.compile("expr(\\d)-(\\d)(?::(\\d+))?");
    private static final Pattern COUNTDOWN = Pattern.compile("countdown(\\d)(?::(\\d+))?");

    private TaskSpec() {}

    /**
     * The generator {@code spec} names.
     *
     * @throws IllegalArgumentException naming the accepted forms when {@code spec} matches none, or
     *                                  the generator's own rule when its numbers are out of range
     */
    public static TaskGenerator parse(String spec) {
        Matcher m = MUL.matcher(spec);
        if (m.matches()) {
            return new MultiplicationTask(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        m = EXPR.matcher(spec);
        if (m.matches()) {
            return new ExpressionTask(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 9 : parseBounded(m.group(3), spec));
        }
        m = COUNTDOWN.matcher(spec);
        if (m.matches()) {
            return new CountdownTask(Integer.parseInt(m.group(1)), m.group(2) == null ? 50 : parseBounded(m.group(2), spec));
        }
        throw new IllegalArgumentException("'" + spec + "' is not a task; use mulAxB (e.g. mul2x2), exprMIN-MAX[:TOP] "
                + "(e.g. expr3-4) or countdownN[:TOP] (e.g. countdown4)");
    }

    private static int parseBounded(String digits, String spec) {
        if (digits.length() > 6) {
            throw new IllegalArgumentException("'" + spec + "': the upper bound " + digits + " is too large");
        }
        return Integer.parseInt(digits);
    }
}
