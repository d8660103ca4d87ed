package dev.r1j.rewards;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scores batches of completions on a fixed pool of threads, results in input order. A reward that
 * throws despite its contract scores 0, with the failure as its reason, so one bad verifier call
 * never stops a training run. Close it to stop the threads.
 */
public final class ParallelScorer implements AutoCloseable {

    private final Reward reward;
    private final ExecutorService pool;

    /** @param threads scoring threads (>= 1); daemon threads, so a forgotten scorer never keeps a JVM alive */
    public ParallelScorer(Reward reward, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a scorer needs at least one thread, was " + threads);
        }
        this.reward = reward;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "r1j-reward");
            t.setDaemon(true);
            return t;
        });
    }

    /** The verdict on each completion, {@code completions.get(i)} being an answer to {@code problems.get(i)}. */
    public List<RewardResult> score(List<Problem> problems, List<String> completions) {
        if (problems.size() != completions.size()) {
            throw new IllegalArgumentException("one problem per completion: " + problems.size() + " problems, "
                    + completions.size() + " completions");
        }
        List<Future<RewardResult>> futures = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            Problem p = problems.get(i);
            String c = completions.get(i);
            futures.add(pool.submit(() -> safely(reward, p, c)));
        }
        List<RewardResult> out = new ArrayList<>(futures.size());
        try {
            for (Future<RewardResult> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scoring failed", e.getCause());
        }
        return out;
    }

    /** {@code reward}'s verdict, or 0 with the failure as its reason when it throws. */
    public static RewardResult safely(Reward reward, Problem problem, String completion) {
        try {
            return reward.score(problem, completion);
        } catch (RuntimeException | StackOverflowError e) {
            return new RewardResult(0.0, false, "", "reward failed: " + e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
