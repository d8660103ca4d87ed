package dev.r1j.rl.grpo;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.tasks.TaskGenerator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The prompts of a run: which problems step {@code s} draws in sampling round {@code r} is a pure
 * function of the seed, the step and the round, so a resumed run sees exactly the problems an
 * uninterrupted one would, with no position to save.
 */
@FunctionalInterface
public interface ProblemStream {

    /** {@code count} problems for sampling round {@code round} of step {@code step}. */
    List<Problem> draw(long step, int round, int count);

    /** Fresh problems from a generator, seeded by (seed, step, round). */
    static ProblemStream of(TaskGenerator generator, long seed) {
        return (step, round, count) -> generator.generate(count, mix(seed, step, round));
    }

    /**
     * A fixed set (a dataset's train split) visited in seeded shuffled epochs; each (step, round) takes
     * the next {@code count} problems of an endless sequence laid out as if every step used
     * {@code roundsPerStep} rounds.
     */
    static ProblemStream cycling(List<Problem> problems, long seed, int roundsPerStep) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems to train on");
        }
        List<Problem> all = List.copyOf(problems);
        return (step, round, count) -> {
            List<Problem> out = new ArrayList<>(count);
            long start = (step * roundsPerStep + round) * (long) count;
            List<Integer> order = null;
            long orderEpoch = -1;
            for (long i = start; i < start + count; i++) {
                long epoch = i / all.size();
                if (epoch != orderEpoch) {
                    order = new ArrayList<>(all.size());
                    for (int k = 0; k < all.size(); k++) {
                        order.add(k);
                    }
                    Collections.shuffle(order, new Random(mix(seed, epoch, -1)));
                    orderEpoch = epoch;
                }
                out.add(all.get(order.get((int) (i % all.size()))));
            }
            return out;
        };
    }

    /** A well-spread 64-bit seed from three numbers (SplitMix64 finaliser). */
    static long mix(long seed, long step, int round) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + round * 0x94D049BB133111EBL + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
