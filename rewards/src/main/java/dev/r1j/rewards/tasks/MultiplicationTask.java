package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-digit multiplication, e.g. {@code 347*86}. The worked solution multiplies by one digit of the
 * second factor at a time and then adds the partial products, which a small model can follow where it
 * cannot produce the product in one step.
 *
 * @param leftDigits  digits of the first factor (1..9)
 * @param rightDigits digits of the second factor (1..9)
 */
public record MultiplicationTask(int leftDigits, int rightDigits) implements TaskGenerator {

    public MultiplicationTask {
        if (leftDigits < 1 || leftDigits > 9 || rightDigits < 1 || rightDigits > 9) {
            throw new IllegalArgumentException("factors must have 1 to 9 digits, were " + leftDigits + " and " + rightDigits);
        }
    }

    @Override
    public String name() {
        return "mul" + leftDigits + "x" + rightDigits;
    }

    @Override
    public List<Problem> generate(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x6D756CL);
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long a = number(rng, leftDigits);
            long b = number(rng, rightDigits);
            out.add(new Problem(id(seed, i), a + "*" + b, Long.toString(a * b), TaskKind.MATH,
                    Map.of(SOLUTION, workedSolution(a, b))));
        }
        return out;
    }

    private static long number(SplittableRandom rng, int digits) {
        long lo = digits == 1 ? 2 : pow10(digits - 1);
        return rng.nextLong(lo, pow10(digits));
    }

    private static long pow10(int k) {
        long p = 1;
        for (int i = 0; i < k; i++) {
            p *= 10;
        }
        return p;
    }

    /**
     * One line per non-zero digit of {@code b}, lowest first ({@code a*digit*place=partial}), then the
     * running sum of the partial products, one addition a line.
     */
    public static String workedSolution(long a, long b) {
        StringBuilder sb = new StringBuilder();
        List<Long> partials = new ArrayList<>();
        long place = 1;
        for (long rest = b; rest > 0; rest /= 10, place *= 10) {
            long digit = rest % 10;
            if (digit == 0) {
                continue;
            }
            long term = digit * place;
            long partial = a * term;
            sb.append(a).append('*').append(term).append('=').append(partial).append('\n');
            partials.add(partial);
        }
        long sum = partials.get(0);
        for (int i = 1; i < partials.size(); i++) {
            long next = sum + partials.get(i);
            sb.append(sum).append('+').append(partials.get(i)).append('=').append(next).append('\n');
            sum = next;
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
