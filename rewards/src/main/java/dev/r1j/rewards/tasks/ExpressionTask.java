package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-step integer arithmetic such as {@code (12+7)*3-5}: 2 to {@code maxOperands} operands, +, -
 * and *, with parentheses. The worked solution reduces one operation a line, innermost and leftmost
 * first, respecting precedence, until one number is left.
 *
 * @param minOperands least operands (>= 2)
 * @param maxOperands most operands (<= 8)
 * @param maxOperand  operands are drawn from [1, maxOperand]
 */
public record ExpressionTask(int minOperands, int maxOperands, int maxOperand) implements TaskGenerator {

    public ExpressionTask {
        if (minOperands < 2 || maxOperands < minOperands || maxOperands > 8) {
            throw new IllegalArgumentException("operand counts must satisfy 2 <= min <= max <= 8, were "
                    + minOperands + " and " + maxOperands);
        }
        if (maxOperand < 2 || maxOperand > 10_000) {
            throw new IllegalArgumentException("maxOperand must be in [2, 10000], was " + maxOperand);
        }
    }

    @Override
    public String name() {
        return "expr" + minOperands + "-" + maxOperands + ":" + maxOperand;
    }

    @Override
    public List<Problem> generate(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x65787072L);
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int operands = rng.nextInt(minOperands, maxOperands + 1);
            Node tree = build(rng, operands);
            String text = tree.render();
            out.add(new Problem(id(seed, i), text, Long.toString(tree.value()), TaskKind.MATH,
                    Map.of(SOLUTION, workedSolution(tree))));
        }
        return out;
    }

    private Node build(SplittableRandom rng, int operands) {
        if (operands == 1) {
            return new Node(rng.nextInt(1, maxOperand + 1), ' ', null, null);
        }
        int left = rng.nextInt(1, operands);
        char op = "+-*".charAt(rng.nextInt(3));
        Node l = build(rng, left);
        Node r = build(rng, operands - left);
        if (op == '*' && (Math.abs(l.value()) > 1000 || Math.abs(r.value()) > 1000)) {
            op = '+'; // keep products within what the worked solution can show comfortably
        }
        return new Node(0, op, l, r);
    }

    /** Reduction steps of {@code tree}, each line {@code a op b=c}, in evaluation order. */
    static String workedSolution(Node tree) {
        StringBuilder sb = new StringBuilder();
        tree.steps(sb);
        if (sb.length() > 0) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    /** A binary expression tree; a leaf when {@code left} is null. */
    record Node(long number, char op, Node left, Node right) {
        long value() {
            if (left == null) {
                return number;
            }
            long a = left.value();
            long b = right.value();
            return switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                default -> a * b;
            };
        }

        private static int precedence(char op) {
            return op == '*' ? 2 : 1;
        }

        /** Infix text with only the parentheses precedence and left-associativity require. */
        String render() {
            if (left == null) {
                return Long.toString(number);
            }
            String l = left.left != null && precedence(left.op) < precedence(op) ? "(" + left.render() + ")"
                    : left.render();
            // A right operand at the same level keeps its parentheses unless both are products, since
            // a-(b-c) and a-b-c differ; a*(b*c) and a*b*c do not.
            boolean needs = right.left != null
                    && (precedence(right.op) < precedence(op) || (precedence(right.op) == precedence(op) && op != '*'));
            String r = needs ? "(" + right.render() + ")" : right.render();
            return l + op + r;
        }

        void steps(StringBuilder sb) {
            if (left == null) {
                return;
            }
            left.steps(sb);
            right.steps(sb);
            long a = left.value();
            long b = right.value();
            sb.append(a < 0 ? "(" + a + ")" : Long.toString(a)).append(op)
                    .append(b < 0 ? "(" + b + ")" : Long.toString(b)).append('=').append(value()).append('\n');
        }
    }
}
