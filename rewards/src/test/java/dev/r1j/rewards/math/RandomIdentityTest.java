package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property checks on random well-defined expressions: rewriting one into an equal form must keep it
 * equal, and shifting it by a constant must make it different, whatever the expression looks like.
 */
class RandomIdentityTest {

    private static final MathVerifier VERIFIER = MathVerifier.defaults();
    private static final int EXPRESSIONS = 600;

    /** A random expression in x and y that is finite for every real x and y. */
    private static String expression(SplittableRandom rnd, int depth) {
        if (depth == 0 || rnd.nextInt(4) == 0) {
            return switch (rnd.nextInt(5)) {
                case 0 -> "x";
                case 1 -> "y";
                case 2 -> "\\pi";
                default -> Integer.toString(rnd.nextInt(1, 10));
            };
        }
        String a = expression(rnd, depth - 1);
        String b = expression(rnd, depth - 1);
        return switch (rnd.nextInt(9)) {
            case 0 -> a + "+" + b;
            case 1 -> a + "-" + b;
            case 2 -> "(" + a + ")(" + b + ")";
            case 3 -> "(" + a + ") \\cdot (" + b + ")";
            case 4 -> "\\frac{" + a + "}{(" + b + ")^2+1}";
            case 5 -> "(" + a + ")^{" + rnd.nextInt(2, 4) + "}";
            case 6 -> "\\sqrt{(" + a + ")^2+" + rnd.nextInt(1, 5) + "}";
            case 7 -> "\\sin(" + a + ")";
            default -> "\\cos " + "{" + a + "}";
        };
    }

    private static List<String> expressions(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < EXPRESSIONS; i++) {
            out.add(expression(rnd, 4));
        }
        return out;
    }

    @Test
    void rewrittenFormsStayEqual() {
        List<String> failures = new ArrayList<>();
        for (String e : expressions(101)) {
            for (String same : List.of("2(" + e + ")/2", "(" + e + ")+0", "\\frac{3(" + e + ")}{3}",
                    "(" + e + ") + x - x", "1 \\cdot \\left(" + e + "\\right)")) {
                if (!VERIFIER.equivalent(e, same)) {
                    failures.add(e + "  vs  " + same);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " equal forms rejected, e.g. " + failures.stream().limit(5).toList());
    }

    @Test
    void shiftedFormsDiffer() {
        List<String> failures = new ArrayList<>();
        for (String e : expressions(202)) {
            for (String other : List.of("(" + e + ")+1", "(" + e + ")-\\frac{1}{1000}", "(" + e + ")+x^2+1")) {
                if (VERIFIER.equivalent(e, other)) {
                    failures.add(e + "  vs  " + other);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " different forms accepted, e.g. " + failures.stream().limit(5).toList());
    }
}
