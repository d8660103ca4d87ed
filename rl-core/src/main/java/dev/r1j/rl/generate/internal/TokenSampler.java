package dev.r1j.rl.generate.internal;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: greedy, or temperature sampling with optional top-k and
 * top-p truncation. Pure Java, so that the random stream of a row depends only on its seed.
 */
public final class TokenSampler {

    private final double temperature;
    private final int topK;
    private final double topP;

    public TokenSampler(double temperature, int topK, double topP) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
    }

    /** The chosen token and its log-probability under softmax(logits / temperature), untruncated. */
    public record Choice(int token, float logProb) {}

    /** Chooses from {@code logits[offset, offset + vocab)}. */
    public Choice choose(float[] logits, int offset, int vocab, SplittableRandom rng) {
        double t = temperature == 0 ? 1.0 : temperature;
        double max = Double.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > max) {
                max = v;
                argmax = i;
            }
        }
        double[] p = new double[vocab]; // unnormalised probabilities exp((l - max) / t)
        double z = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[offset + i] - max) / t);
            z += p[i];
        }
        double logZ = Math.log(z);
        if (temperature == 0) {
            return new Choice(argmax, (float) (Math.log(p[argmax]) - logZ));
        }
        int token = sample(p, z, rng);
        return new Choice(token, (float) (Math.log(p[token]) - logZ));
    }

    private int sample(double[] p, double z, SplittableRandom rng) {
        int vocab = p.length;
        boolean truncate = (topK > 0 && topK < vocab) || topP < 1.0;
        if (!truncate) {
            return draw(p, null, vocab, z, rng);
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        // Stable by index for ties, so the kept set is deterministic.
        Arrays.sort(order, (a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
        if (topP < 1.0) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[order[i]] / z;
                if (cumulative >= topP) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[order[i]];
        }
        return draw(p, order, keep, kept, rng);
    }

    private static int draw(double[] p, Integer[] order, int n, double total, SplittableRandom rng) {
        double u = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            int idx = order == null ? i : order[i];
            acc += p[idx];
            if (u < acc) {
                return idx;
            }
        }
        return order == null ? n - 1 : order[n - 1];
    }
}
