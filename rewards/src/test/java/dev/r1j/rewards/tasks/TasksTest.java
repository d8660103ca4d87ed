package dev.r1j.rewards.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TasksTest {

    @Test
    void multiplicationIsReproducibleAndCorrect() {
        MultiplicationTask task = new MultiplicationTask(3, 2);
        List<Problem> a = task.generate(200, 7);
        assertEquals(a, task.generate(200, 7));
        assertNotEquals(a, task.generate(200, 8));
        assertEquals("mul3x2-s7-00012", a.get(12).id());
        for (Problem p : a) {
            String[] f = p.prompt().split("\\*");
            assertEquals(3, f[0].length(), p.prompt());
            assertEquals(2, f[1].length(), p.prompt());
            BigInteger product = new BigInteger(f[0]).multiply(new BigInteger(f[1]));
            assertEquals(product.toString(), p.answer());
            String[] lines = p.meta(TaskGenerator.SOLUTION, "").split("\n");
            assertTrue(lines[lines.length - 1].endsWith("=" + p.answer()), p.meta(TaskGenerator.SOLUTION, ""));
            for (String line : lines) {
                assertTrue(holds(line), "every step is true arithmetic: " + line);
            }
        }
        assertEquals("347*6=2082\n347*80=27760\n2082+27760=29842", MultiplicationTask.workedSolution(347, 86));
        assertEquals("12*3=36\n12*300=3600\n36+3600=3636", MultiplicationTask.workedSolution(12, 303));
    }

    @Test
    void expressionsEvaluateToTheirAnswerStepByStep() {
        ExpressionTask task = new ExpressionTask(2, 5, 20);
        List<Problem> ps = task.generate(300, 3);
        assertEquals(ps, task.generate(300, 3));
        for (Problem p : ps) {
            assertEquals(p.answer(), Long.toString(evaluate(p.prompt())), p.prompt());
            String solution = p.meta(TaskGenerator.SOLUTION, "");
            String[] lines = solution.split("\n");
            assertTrue(lines[lines.length - 1].endsWith("=" + p.answer()), p.prompt() + " -> " + solution);
            for (String line : lines) {
                assertTrue(holds(line), line);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ExpressionTask(1, 3, 10));
    }

    @Test
    void countdownProblemsAreSolvableAndTheirSolutionsScore() {
        CountdownTask task = new CountdownTask(4, 50);
        CountdownReward reward = new CountdownReward();
        List<Problem> ps = task.generate(100, 11);
        assertEquals(ps, task.generate(100, 11));
        for (Problem p : ps) {
            assertEquals(TaskKind.COUNTDOWN, p.kind());
            long[] numbers = Arrays.stream(p.meta(CountdownTask.NUMBERS, "").split(",")).mapToLong(Long::parseLong).toArray();
            assertEquals(4, numbers.length);
            String expr = p.meta(CountdownTask.EXPRESSION, "");
            assertEquals(Long.parseLong(p.answer()), evaluate(expr), expr);
            RewardResult r = reward.score(p, "<think>" + p.meta(TaskGenerator.SOLUTION, "") + "</think><answer>" + expr + "</answer>");
            assertTrue(r.correct(), p + " " + r);
        }
    }

    static Problem countdown(String numbers, int target) {
        return new Problem("c", "Use " + numbers + " to make " + target, Integer.toString(target), TaskKind.COUNTDOWN,
                Map.of(CountdownTask.NUMBERS, numbers));
    }

    @Test
    void countdownRewardCases() {
        CountdownReward r = new CountdownReward();
        Problem p = countdown("3,7,25,50", 175);
        assertEquals(1.0, r.score(p, "<answer>50*3+25</answer>").score(), "150 + 25 = 175 with each number once");
        assertEquals(1.0, r.score(p, "<answer>25*7</answer>").score(), "not every number must be used");
        assertEquals(0.0, r.score(p, "<answer>7*25+7-7</answer>").score(), "7 used three times");
        assertEquals(0.0, r.score(p, "<answer>(50-25)*7*1</answer>").score(), "1 is not among the numbers");
        assertEquals(0.0, r.score(p, "<answer>50*3+24</answer>").score(), "wrong value");
        assertEquals(0.0, r.score(p, "<answer>175</answer>").score(), "the target itself is not a given number");
        assertEquals(0.0, r.score(p, "<answer>50/(25-25)</answer>").score(), "division by zero is wrong, not an error");
        assertTrue(r.score(p, "<answer>50/(25-25)</answer>").reason().contains("division by zero"));
        assertEquals(0.0, r.score(p, "<answer>(50-25)*7</answer><answer>3</answer>").score(), "the last answer counts");
        assertEquals(0.0, r.score(p, "no arithmetic here").score());
        assertEquals(0.0, r.score(p, "<answer>import os</answer>").score());
        assertEquals(0.0, r.score(countdown("6,4", 1), "<answer>(6-4)/(6-4)</answer>").score(), "6 and 4 used twice");
        Problem frac = countdown("1,3,6", 18);
        assertEquals(1.0, r.score(frac, "<answer>3/(1/6)</answer>").score(), "exact rationals: 3 / (1/6) = 18");
    }

    @Test
    void hostileCountdownAnswersGetAVerdictQuickly() {
        CountdownReward r = new CountdownReward();
        Problem p = countdown("3,7,25,50", 175);
        List<String> hostile = List.of("(".repeat(100_000) + "1" + ")".repeat(100_000), "1+".repeat(50_000) + "1",
                "<answer>" + "9".repeat(100_000) + "</answer>", "<answer>" + "(".repeat(150) + "3" + ")".repeat(150) + "</answer>",
                "<answer>" + "50*".repeat(600) + "50</answer>", "\u0000\uFFFF<answer>", "", "<answer></answer>");
        for (String h : hostile) {
            RewardResult res = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> r.score(p, h));
            assertEquals(0.0, res.score(), h.substring(0, Math.min(40, h.length())));
        }
    }

    /** An independent check of one worked-solution line {@code a op b=c} (operands may be parenthesised negatives). */
    static boolean holds(String line) {
        String[] sides = line.split("=");
        return sides.length == 2 && evaluate(sides[0]) == Long.parseLong(sides[1]);
    }

    /** An independent evaluator (shunting-yard in longs, integer division) for checking generated text. */
    static long evaluate(String expr) {
        java.util.ArrayDeque<Long> values = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Character> ops = new java.util.ArrayDeque<>();
        String s = expr.replace(" ", "");
        boolean expectOperand = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isDigit(c) || (c == '-' && expectOperand)) {
                int j = i + 1;
                while (j < s.length() && Character.isDigit(s.charAt(j))) {
                    j++;
                }
                if (c == '-' && (j == i + 1)) { // unary minus before '('
                    values.push(0L);
                    ops.push('-');
                    continue;
                }
                values.push(Long.parseLong(s.substring(i, j)));
                i = j - 1;
                expectOperand = false;
            } else if (c == '(') {
                ops.push(c);
                expectOperand = true;
            } else if (c == ')') {
                while (ops.peek() != '(') {
                    apply(values, ops.pop());
                }
                ops.pop();
                expectOperand = false;
            } else {
                while (!ops.isEmpty() && ops.peek() != '(' && prec(ops.peek()) >= prec(c)) {
                    apply(values, ops.pop());
                }
                ops.push(c);
                expectOperand = true;
            }
        }
        while (!ops.isEmpty()) {
            apply(values, ops.pop());
        }
        return values.pop();
    }

    private static int prec(char op) {
        return op == '*' || op == '/' ? 2 : 1;
    }

    private static void apply(java.util.ArrayDeque<Long> values, char op) {
        long b = values.pop();
        long a = values.pop();
        values.push(switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> a / b;
        });
    }
}
