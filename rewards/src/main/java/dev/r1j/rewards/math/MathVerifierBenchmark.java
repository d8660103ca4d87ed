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
        return measure(verifier, goldPredPairs, minDuration).verdictsPerSecond();
    }

    /**
     * What a measurement did: how many verdicts it timed, at what rate, and how many pairs of one pass
     * were judged correct (the same in every pass; a pass that disagrees stops the measurement).
     */
    public record Measurement(double verdictsPerSecond, long verdicts, int correctPerPass) {}

    /** Verifies every pair once (warm-up, and the verdicts every timed pass must repeat), then times passes. */
    public static Measurement measure(MathVerifier verifier, List<String[]> goldPredPairs, Duration minDuration) {
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
        int correct = correct(verifier, goldPredPairs);
        long limit = minDuration.toNanos();
        long start = System.nanoTime();
        long count = 0;
        long elapsed;
        do {
            // Counting the verdicts keeps the work observable, so that it cannot be optimised away.
            int again = correct(verifier, goldPredPairs);
            if (again != correct) {
                throw new IllegalStateException("the verifier judged " + again + " pairs correct in a pass, "
                        + correct + " in the first: its verdicts are not deterministic");
            }
            count += goldPredPairs.size();
            elapsed = System.nanoTime() - start;
        } while (elapsed < limit);
        return new Measurement(count / (elapsed / 1e9), count, correct);
    }

    private static int correct(MathVerifier verifier, List<String[]> goldPredPairs) {
        int correct = 0;
        for (String[] pair : goldPredPairs) {
            correct += verifier.verify(pair[0], pair[1]).correct() ? 1 : 0;
        }
        return correct;
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
