package dev.r1j.rl.generate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rl.generate.SampledTokens;
import dev.r1j.rl.generate.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static SamplingParams params(double temperature, int topK, double topP, double minP) {
        return SamplingParams.builder().temperature(temperature).topK(topK).topP(topP).minP(minP).build();
    }

    /** Runs the engine sampler on [B, V] logits with one uniform per row. */
    static SampledTokens pick(SamplingParams p, float[] logits, int vocab, double[] uniforms) {
        try (NDManager step = manager.newSubManager()) {
            return new TokenSampler(p).choose(step.create(logits, new Shape(uniforms.length, vocab)), uniforms);
        }
    }

    @Test
    void picksTheSameTokensAndLogProbsAsThePerRowJavaSamplerBitForBit() {
        double[][] settings = {{0, 0, 1, 0}, {1, 0, 1, 0}, {0.7, 0, 1, 0}, {1.6, 0, 1, 0}, {1, 5, 1, 0}, {0.8, 0, 0.9, 0},
            {1, 0, 0.5, 0}, {1.2, 10, 0.7, 0}, {1, 0, 1, 0.05}, {0.9, 20, 0.95, 0.1}, {1, 0, 1, 1.0}};
        assertSameAsReference(300, 97, 3, settings);
    }

    /**
     * On a vocabulary large enough for the sampler to look at its most likely candidates first: rows
     * whose kept set lies among them (peaked logits) and rows where it does not (flat logits, a nucleus
     * of 0.999 or a tiny min-p), which need the full sort, give the Java sampler's picks either way.
     */
    @Test
    void largeVocabulariesPickTheSameWhetherTheKeptSetFitsTheCandidatesOrNot() {
        double[][] settings = {{1, 0, 0.9, 0}, {1, 0, 0.999, 0}, {1, 0, 1, 0.2}, {1, 0, 1, 1e-6}, {1.3, 0, 0.8, 0.01}};
        assertSameAsReference(40, 3 * TokenSampler.CANDIDATES, 6, settings); // peaked: nuclei fit
        assertSameAsReference(40, 3 * TokenSampler.CANDIDATES, 0.5, settings); // flat: most do not
    }

    /**
     * Above {@value TokenSampler#SEQUENTIAL_VOCAB} tokens the running sum is taken in blocks: 8,192
     * (8 blocks of 1,024), 9,496 = 8 x 1,187 (1,187 blocks of 8, the block sums' own running sum doing
     * most of the work) and the prime 4,099 (one block).
     * Untruncated and greedy picks and log-probs stay the sequential Java sampler's.
     */
    @Test
    void blockedRunningSumsOnLargeVocabulariesPickAsTheSequentialSum() {
        double[][] settings = {{1, 0, 1, 0}, {0.7, 0, 1, 0}, {0, 0, 1, 0}};
        for (int vocab : new int[] {8192, 9496, 4099}) {
            assertSameAsReference(64, vocab, 3, settings);
            assertSameAsReference(64, vocab, 0.3, settings);
        }
    }

    @Test
    void blockSizeIsTheLargestDivisorUpTo1024OrTheWholeSmallVocabulary() {
        assertEquals(97, TokenSampler.blockSize(97));
        assertEquals(4096, TokenSampler.blockSize(4096));
        assertEquals(1024, TokenSampler.blockSize(8192));
        assertEquals(128, TokenSampler.blockSize(151_936));
        assertEquals(1002, TokenSampler.blockSize(128_256));
        assertEquals(4099, TokenSampler.blockSize(4099));
    }

    private static void assertSameAsReference(int rows, int vocab, double scale, double[][] settings) {
        SplittableRandom rng = new SplittableRandom(5);
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rng.nextGaussian() * scale);
        }
        double[] uniforms = rng.doubles(rows).toArray();
        for (double[] s : settings) {
            SamplingParams p = params(s[0], (int) s[1], s[2], s[3]);
            JavaReferenceSampler reference = new JavaReferenceSampler(s[0], (int) s[1], s[2], s[3]);
            SampledTokens picks = pick(p, logits, vocab, uniforms);
            for (int r = 0; r < rows; r++) {
                JavaReferenceSampler.Choice c = reference.choose(logits, r * vocab, vocab, uniforms[r]);
                String where = "row " + r + " with temperature " + s[0] + ", top_k " + s[1] + ", top_p " + s[2] + ", min_p " + s[3];
                assertEquals(c.token(), picks.tokens()[r], where);
                assertEquals(Float.floatToIntBits(c.logProb()), Float.floatToIntBits(picks.logProbs()[r]), where);
            }
        }
    }

    /**
     * Sampling statistics against the definition on a six-token vocabulary: 40,000 draws of the same
     * logits; tokens outside the kept set never appear, and the counts of the kept ones pass a
     * chi-square test of the renormalised truncated distribution (p > 0.001).
     */
    @Test
    void sampledFrequenciesFollowTheTruncatedTemperatureDistribution() {
        float[] row = {2.0f, 1.5f, 1.0f, 0.2f, -0.5f, -2.0f};
        int vocab = row.length;
        int draws = 40_000;
        double[][] settings = {{1, 0, 1, 0}, {0.5, 0, 1, 0}, {2, 0, 1, 0}, {1, 3, 1, 0}, {1, 0, 0.8, 0}, {1, 0, 1, 0.3},
            {1.5, 4, 0.9, 0.2}};
        // Chi-square critical values at p = 0.001 for 1..5 degrees of freedom.
        double[] critical = {10.83, 13.82, 16.27, 18.47, 20.52};
        for (double[] s : settings) {
            double t = s[0];
            double[] prob = new double[vocab];
            double z = 0;
            for (int i = 0; i < vocab; i++) {
                prob[i] = Math.exp(row[i] / t);
                z += prob[i];
            }
            // The row is sorted already: each rule keeps a prefix.
            int keep = s[1] > 0 ? (int) s[1] : vocab;
            double mass = 0;
            for (int i = 0; i < keep; i++) {
                mass += prob[i] / z;
                if (mass >= s[2]) {
                    keep = i + 1;
                    break;
                }
            }
            int aboveMinP = 0;
            while (aboveMinP < vocab && prob[aboveMinP] / prob[0] >= s[3]) {
                aboveMinP++;
            }
            keep = Math.min(keep, aboveMinP);
            double kept = 0;
            for (int i = 0; i < keep; i++) {
                kept += prob[i];
            }

            float[] logits = new float[draws * vocab];
            for (int r = 0; r < draws; r++) {
                System.arraycopy(row, 0, logits, r * vocab, vocab);
            }
            double[] uniforms = new SplittableRandom(17).doubles(draws).toArray();
            SampledTokens picks = pick(params(t, (int) s[1], s[2], s[3]), logits, vocab, uniforms);
            long[] counts = new long[vocab];
            for (int token : picks.tokens()) {
                counts[token]++;
            }
            String what = "temperature " + t + ", top_k " + s[1] + ", top_p " + s[2] + ", min_p " + s[3];
            for (int i = keep; i < vocab; i++) {
                assertEquals(0, counts[i], what + ": token " + i + " is outside the kept " + keep);
            }
            double chi = 0;
            for (int i = 0; i < keep; i++) {
                double expected = draws * prob[i] / kept;
                chi += (counts[i] - expected) * (counts[i] - expected) / expected;
            }
            if (keep > 1) {
                assertTrue(chi < critical[keep - 2], what + ": chi-square " + chi + " over " + (keep - 1) + " degrees of freedom");
            } else {
                assertEquals(draws, counts[0], what);
            }
            // The log-probability is that of the untruncated temperature distribution.
            assertEquals(Math.log(prob[picks.tokens()[0]] / z), picks.logProbs()[0], 1e-6, what);
        }
    }
}
