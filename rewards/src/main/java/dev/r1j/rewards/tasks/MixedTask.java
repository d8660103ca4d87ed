package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import java.util.ArrayList;
import java.util.List;

/**
 * Several generators taken in turn: problem {@code i} comes from part {@code i % parts}, so any
 * prefix of a set is balanced. Each part draws from its own seeded stream, so a problem does not
 * depend on how many problems are asked for.
 *
 * @param name  the name used in ids and reports
 * @param parts the generators, at least one
 */
public record MixedTask(String name, List<TaskGenerator> parts) implements TaskGenerator {

    /**
     * The arithmetic task of the shipped {@code arith-*} models, their evaluation and their RL:
     * 2-digit by 2-digit multiplication and expressions of 3 to 4 one-digit operands, in turn. Both are
     * problems a model of a few million parameters rarely answers directly but can work out step by step.
     */
    public static final MixedTask ARITH = new MixedTask("arith", List.of(new MultiplicationTask(2, 2),
            new ExpressionTask(3, 4, 9)));

    public MixedTask {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a mixed task needs at least one part");
        }
        parts = List.copyOf(parts);
    }

    @Override
    public List<Problem> generate(int n, long seed) {
        int k = parts.size();
        List<List<Problem>> drawn = new ArrayList<>(k);
        for (int p = 0; p < k; p++) {
            drawn.add(parts.get(p).generate((n - p + k - 1) / k, seed));
        }
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(drawn.get(i % k).get(i / k));
        }
        return out;
    }
}
