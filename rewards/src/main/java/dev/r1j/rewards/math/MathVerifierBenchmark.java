package dev.r1j.rewards.math;

import dev.r1j.common.BadInputException;
import java.time.Duration;
import java.util.List;

/**
 * Measures verifier throughput on given (gold, completion) pairs, for {@code r1j bench}. Runs one
 * warm-up pass, then cycles through the pairs on the calling thread until at least
 * {@code minDuration} has passed.
 */
public final class MathVerifierBenchmark {

    private MathVerifierBenchmark() {
    }

    /** Verdicts per second of {@link MathVerifier#defaults()} over {@code goldPredPairs}. */
    public static double verdictsPerSecond(List<String[]> goldPredPairs, Duration minDuration) {
        return verdictsPerSecond(MathVerifier.defaults(), goldPredPairs, minDuration);
    }

    /** Verdicts per second of {@code verifier} over {@code goldPredPairs} (each {gold, completion}). */
    public static double verdictsPerSecond(MathVerifier verifier, List<String[]> goldPredPairs, Duration minDuration) {
        if (goldPredPairs == null || goldPredPairs.isEmpty()) {
            throw BadInputException.at(null, 0, "goldPredPairs", "must hold at least one {gold, completion} pair");
        }
        for (String[] pair : goldPredPairs) {
            if (pair == null || pair.length != 2) {
                throw BadInputException.at(null, 0, "goldPredPairs", "each entry must be a {gold, completion} pair");
            }
        }
        if (minDuration == null || minDuration.isNegative() || minDuration.isZero()) {
            throw BadInputException.at(null, 0, "minDuration", "must be positive, was " + minDuration);
        }
        int sink = 0;
        for (String[] pair : goldPredPairs) {
            sink += verifier.verify(pair[0], pair[1]).correct() ? 1 : 0;
        }
        long limit = minDuration.toNanos();
        long start = System.nanoTime();
        long count = 0;
        long elapsed;
        do {
            for (String[] pair : goldPredPairs) {
                sink += verifier.verify(pair[0], pair[1]).correct() ? 1 : 0;
            }
            count += goldPredPairs.size();
            elapsed = System.nanoTime() - start;
        } while (elapsed < limit);
        if (sink < 0) {
            throw new IllegalStateException("unreachable");
        }
        return count / (elapsed / 1e9);
    }

    /** The slowest single verdict of {@code verifier} over {@code goldPredPairs}, in milliseconds (one pass). */
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
