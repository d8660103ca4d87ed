package dev.r1j.rewards.code;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Measures sandboxed executions per second, for {@code r1j bench}. */
public final class SandboxBenchmark {

    private static final Problem TRIVIAL = new Problem("bench/add", "def add(a, b):\n", "", TaskKind.CODE,
            Map.of("entry_point", "add",
                    "test", "def check(candidate):\n    assert candidate(2, 3) == 5\n"));

    private SandboxBenchmark() {
    }

    /**
     * Runs a trivial HumanEval-style program {@code runs} times on {@code workers} workers in the
     * detected sandbox and returns completed executions per second of wall time.
     *
     * @throws SandboxUnavailableException when no sandbox works here
     * @throws IllegalStateException       when the trivial program does not pass (the figure would be
     *                                     meaningless)
     */
    public static double executionsPerSecond(int workers, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1, was " + runs);
        }
        CodeReward reward = CodeReward.builder().workers(workers).build();
        // One run first, so that the one-time sandbox detection is not part of the figure.
        check(reward.score(TRIVIAL, "    return a + b\n"));
        long start = System.nanoTime();
        List<RewardResult> results = reward.scoreAll(Collections.nCopies(runs, TRIVIAL),
                Collections.nCopies(runs, "    return a + b\n"));
        double seconds = (System.nanoTime() - start) / 1e9;
        results.forEach(SandboxBenchmark::check);
        return runs / seconds;
    }

    private static void check(RewardResult result) {
        if (!result.correct()) {
            throw new IllegalStateException("the benchmark program failed in the sandbox: " + result.reason());
        }
    }
}
