package dev.r1j.rewards.math;

import java.time.Duration;
import java.util.List;

/** Throughput of the verifier, for {@code r1j bench}: verdicts per second over a list of (gold, prediction) pairs. */
public final class MathVerifierBenchmark {

    private MathVerifierBenchmark() {}

    /** Verifies the pairs round-robin for at least {@code minDuration} (and one full pass); returns verdicts/s. */
    public static double verdictsPerSecond(MathVerifier verifier, List<String[]> goldPredPairs, Duration minDuration) {
        if (goldPredPairs.isEmpty()) {
            throw new IllegalArgumentException("no pairs to verify");
        }
        long start = System.nanoTime();
        long deadline = start + minDuration.toNanos();
        long count = 0;
        int sink = 0;
        while (count < goldPredPairs.size() || System.nanoTime() < deadline) {
            String[] pair = goldPredPairs.get((int) (count % goldPredPairs.size()));
            sink += verifier.verify(pair[0], pair[1]).correct() ? 1 : 0;
            count++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return sink >= 0 ? count / seconds : 0;
    }

    /** The slowest single verdict over the pairs, in milliseconds. */
    public static double slowestMillis(MathVerifier verifier, List<String[]> goldPredPairs) {
        double worst = 0;
        for (String[] pair : goldPredPairs) {
            long t = System.nanoTime();
            verifier.verify(pair[0], pair[1]);
            worst = Math.max(worst, (System.nanoTime() - t) / 1e6);
        }
        return worst;
    }
}
