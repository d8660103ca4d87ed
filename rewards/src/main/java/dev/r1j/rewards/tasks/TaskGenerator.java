package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import java.util.List;

/**
 * Makes problems whose answers are known exactly, reproducibly: the same seed gives the same problems
 * with the same ids. Every problem carries a worked solution in its {@code solution} metadata, so a
 * corpus can show reasoning as {@code <think>solution</think><answer>answer</answer>}.
 */
public interface TaskGenerator {

    /** Metadata key of the worked solution: one step a line, the last line ends in the answer. */
    String SOLUTION = "solution";

    /** A short name used in problem ids, e.g. {@code mul3x2}. */
    String name();

    /** {@code n} problems for {@code seed}; ids are {@code name-sSEED-INDEX}. */
    List<Problem> generate(int n, long seed);

    /** The id of problem {@code index} of {@code seed}. */
    default String id(long seed, int index) {
        return String.format("%s-s%d-%05d", name(), seed, index);
    }
}
