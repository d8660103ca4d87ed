package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Countdown: combine the given numbers with + - * / (each number at most once, every intermediate a
 * positive integer) to reach the target exactly, as in TinyZero's task. Targets are built from a
 * random combination of the numbers, so every problem is solvable; the worked solution is a solver's
 * solution, one operation a line.
 *
 * @param count     how many numbers (2..6)
 * @param maxNumber numbers are drawn from [1, maxNumber]
 */
public record CountdownTask(int count, int maxNumber) implements TaskGenerator {

    /** Metadata key of the numbers, comma-separated. */
    public static final String NUMBERS = "numbers";
    /** Metadata key of one solving expression. */
    public static final String EXPRESSION = "expression";

    public CountdownTask {
        if (count < 2 || count > 6) {
            throw new IllegalArgumentException("countdown needs 2 to 6 numbers, was " + count);
        }
        if (maxNumber < 2 || maxNumber > 1000) {
            throw new IllegalArgumentException("maxNumber must be in [2, 1000], was " + maxNumber);
        }
    }

    @Override
    public String name() {
        return "countdown" + count + ":" + maxNumber;
    }

    @Override
    public List<Problem> generate(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x636F756EL);
        List<Problem> out = new ArrayList<>(n);
        while (out.size() < n) {
            long[] numbers = new long[count];
            for (int i = 0; i < count; i++) {
                numbers[i] = rng.nextLong(1, maxNumber + 1);
            }
            Optional<Step[]> built = randomCombination(numbers, rng);
            if (built.isEmpty()) {
                continue;
            }
            long target = built.get()[built.get().length - 1].result();
            if (target < 10 || target > 10 * maxNumber || Arrays.stream(numbers).anyMatch(x -> x == target)) {
                continue; // too small, too large, or trivially one of the numbers
            }
            List<Step> solution = solve(numbers, target).orElseThrow();
            String list = Arrays.stream(numbers).mapToObj(Long::toString).collect(Collectors.joining(","));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(NUMBERS, list);
            meta.put(SOLUTION, solution.stream().map(Step::toString).collect(Collectors.joining("\n")));
            meta.put(EXPRESSION, expression(solution));
            out.add(new Problem(id(seed, out.size()), "Use " + list + " to make " + target, Long.toString(target),
                    TaskKind.COUNTDOWN, meta));
        }
        return out;
    }

    /** One operation: {@code left op right = result}, with the expressions it combines. */
    public record Step(long left, char op, long right, long result, String leftExpr, String rightExpr) {
        @Override
        public String toString() {
            return left + "" + op + right + "=" + result;
        }
    }

    /** Applies random operations to random pairs until one number is left or no valid move remains. */
    private static Optional<Step[]> randomCombination(long[] numbers, SplittableRandom rng) {
        List<Long> pool = new ArrayList<>();
        List<String> exprs = new ArrayList<>();
        for (long x : numbers) {
            pool.add(x);
            exprs.add(Long.toString(x));
        }
        int uses = rng.nextInt(2, numbers.length + 1); // use between 2 and all numbers
        while (pool.size() > numbers.length - uses + 1) {
            int i = rng.nextInt(pool.size());
            int j = rng.nextInt(pool.size() - 1);
            if (j >= i) {
                j++;
            }
            Optional<Step> step = combine(pool.get(i), pool.get(j), "+-*/".charAt(rng.nextInt(4)), exprs.get(i), exprs.get(j));
            if (step.isEmpty()) {
                return Optional.empty();
            }
            int hi = Math.max(i, j);
            int lo = Math.min(i, j);
            pool.remove(hi);
            exprs.remove(hi);
            pool.set(lo, step.get().result());
            exprs.set(lo, "(" + step.get().leftExpr() + step.get().op() + step.get().rightExpr() + ")");
            if (pool.size() == numbers.length - uses + 1) {
                return Optional.of(new Step[] {step.get()});
            }
        }
        return Optional.empty();
    }

    private static Optional<Step> combine(long a, long b, char op, String ea, String eb) {
        long hi = Math.max(a, b);
        long lo = Math.min(a, b);
        String ehi = a >= b ? ea : eb;
        String elo = a >= b ? eb : ea;
        return switch (op) {
            case '+' -> Optional.of(new Step(a, '+', b, a + b, ea, eb));
            case '-' -> hi == lo ? Optional.empty() : Optional.of(new Step(hi, '-', lo, hi - lo, ehi, elo));
            case '*' -> a == 1 || b == 1 || a * b > 1_000_000 ? Optional.empty() : Optional.of(new Step(a, '*', b, a * b, ea, eb));
            default -> lo <= 1 || hi % lo != 0 ? Optional.empty() : Optional.of(new Step(hi, '/', lo, hi / lo, ehi, elo));
        };
    }

    /**
     * A solution reaching {@code target} from {@code numbers} with positive-integer intermediates, each
     * number used at most once, found by exhaustive search (tiny for up to six numbers).
     */
    public static Optional<List<Step>> solve(long[] numbers, long target) {
        List<Long> pool = new ArrayList<>();
        List<String> exprs = new ArrayList<>();
        for (long x : numbers) {
            if (x == target) {
                return Optional.of(List.of());
            }
            pool.add(x);
            exprs.add(Long.toString(x));
        }
        List<Step> path = new ArrayList<>();
        return search(pool, exprs, target, path) ? Optional.of(List.copyOf(path)) : Optional.empty();
    }

    private static boolean search(List<Long> pool, List<String> exprs, long target, List<Step> path) {
        for (int i = 0; i < pool.size(); i++) {
            for (int j = i + 1; j < pool.size(); j++) {
                for (char op : new char[] {'+', '-', '*', '/'}) {
                    Optional<Step> s = combine(pool.get(i), pool.get(j), op, exprs.get(i), exprs.get(j));
                    if (s.isEmpty()) {
                        continue;
                    }
                    Step step = s.get();
                    path.add(step);
                    if (step.result() == target) {
                        return true;
                    }
                    List<Long> next = new ArrayList<>(pool);
                    List<String> nextExprs = new ArrayList<>(exprs);
                    next.remove(j);
                    nextExprs.remove(j);
                    next.set(i, step.result());
                    nextExprs.set(i, "(" + step.leftExpr() + step.op() + step.rightExpr() + ")");
                    if (next.size() > 1 && search(next, nextExprs, target, path)) {
                        return true;
                    }
                    path.remove(path.size() - 1);
                }
            }
        }
        return false;
    }

    /** The single expression a solution's last step stands for, outer parentheses dropped. */
    public static String expression(List<Step> solution) {
        if (solution.isEmpty()) {
            return "";
        }
        Step last = solution.get(solution.size() - 1);
        return last.leftExpr() + last.op() + last.rightExpr();
    }
}
