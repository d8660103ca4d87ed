package dev.r1j.rl.generate.internal;

import java.util.Arrays;

/**
 * The per-row Java sampler generation used before sampling moved onto the engine, kept as the
 * reference that {@link TokenSampler} must reproduce bit for bit: probabilities and sums in double in
 * vocabulary order, truncation over a sort by probability (ties by lower id), the draw walking the
 * kept tokens in that order. Min-p, which the old sampler lacked, is added in the same style.
 */
final class JavaReferenceSampler {

    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;

    JavaReferenceSampler(double temperature, int topK, double topP, double minP) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.minP = minP;
    }

    record Choice(int token, float logProb) {}

    /** Chooses from {@code logits[offset, offset + vocab)} with the row's uniform number {@code u}. */
    Choice choose(float[] logits, int offset, int vocab, double u) {
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
        double[] p = new double[vocab];
        double z = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[offset + i] - max) / t);
            z += p[i];
        }
        double logZ = Math.log(z);
        if (temperature == 0) {
            return new Choice(argmax, (float) (Math.log(p[argmax]) - logZ));
        }
        int token = sample(p, z, u);
        return new Choice(token, (float) (Math.log(p[token]) - logZ));
    }

    private int sample(double[] p, double z, double u) {
        int vocab = p.length;
        boolean truncate = (topK > 0 && topK < vocab) || topP < 1.0 || minP > 0;
        if (!truncate) {
            return draw(p, null, vocab, z, u);
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
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
        if (minP > 0) {
            int above = 0;
            while (above < vocab && p[order[above]] >= minP) {
                above++;
            }
            keep = Math.min(keep, above);
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[order[i]];
        }
        return draw(p, order, keep, kept, u);
    }

    private static int draw(double[] p, Integer[] order, int n, double total, double u) {
        double target = u * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            int idx = order == null ? i : order[i];
            acc += p[idx];
            if (target < acc) {
                return idx;
            }
        }
        return order == null ? n - 1 : order[n - 1];
    }
}
