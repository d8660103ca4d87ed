package dev.r1j.samples.cli;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.tasks.Task;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --task}, {@code --problems}, {@code --n} and {@code --seed}: which problems eval and traces put
 * to a model. The two commands draw different numbers of problems from different seeds by default
 * (traces must not train students on the problems eval tests them on), so each command constructs
 * this mixin with its own defaults; picocli shows a field's initial value as its default. There is no
 * no-argument constructor, so a command that declares the mixin without constructing it fails at start-up.
 */
final class ProblemOptions {

    @Option(names = "--task", required = true, converter = TaskConverter.class,
            description = "The problems and their verifier: " + Task.NAMES + ".")
    Task task;

    @Option(names = "--problems", paramLabel = "FILE", description = "Problems from JSONL instead of the generator "
            + "(gsm8k: question/answer; math: problem/solution; arith, countdown: prompt/answer).")
    Path problems;

    @Option(names = "--n", description = "Problems (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seed", description = "Problem and sampling seed (default: ${DEFAULT-VALUE}); traces should use "
            + "one that eval does not, so students are not tested on their training problems.")
    long seed;

    /**
     * @param n    the number of problems when {@code --n} is not given
     * @param seed the seed when {@code --seed} is not given
     */
    ProblemOptions(int n, long seed) {
        this.n = n;
        this.seed = seed;
    }

    /** The problems: {@code --n} of them generated from {@code --seed}, or read from {@code --problems}. */
    List<Problem> problems() {
        return task.problems(n, seed, problems);
    }
}
