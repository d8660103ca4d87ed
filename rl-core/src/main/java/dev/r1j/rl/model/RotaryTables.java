package dev.r1j.rl.model;

/**
 * Cosine and sine tables of rotary position embeddings (RoPE), Hugging Face's non-interleaved form:
 * for head size D, frequency i in [0, D/2) is theta^(-2i/D) (rescaled by the config's
 * {@link RopeScaling}), and a position p rotates the pair (x[i], x[i + D/2]) by angle p * freq[i]. Both
 * tables are multiplied by the scaling's attention factor (YaRN's; 1 otherwise), as Hugging Face does,
 * so queries and keys carry it into the scores. Tables grow on demand and are computed in double
 * precision. {@link CausalLm} rotates with these tables, and exporters that bake the rotation into
 * another engine's graph use the same ones, so both engines see the same angles to the last bit.
 */
public final class RotaryTables {

    private final int headDim;
    private final double[] inverseFrequencies;
    private final double attentionFactor;
    private float[] cos = new float[0]; // [positions, D/2]
    private float[] sin = new float[0];
    private int positions;

    /** The tables of {@code config}: its head size, {@code rope_theta} and {@code rope_scaling}. */
    public RotaryTables(TransformerConfig config) {
        this(config.headDim(), config.ropeScaling().inverseFrequencies(config.headDim(), config.ropeTheta(),
                config.maxPositionEmbeddings()), config.ropeScaling().attentionFactor());
    }

    private RotaryTables(int headDim, double[] inverseFrequencies, double attentionFactor) {
        this.headDim = headDim;
        this.inverseFrequencies = inverseFrequencies;
        this.attentionFactor = attentionFactor;
    }

    private synchronized void ensure(int needed) {
        if (needed <= positions) {
            return;
        }
        int n = Math.max(needed, Math.max(64, positions * 2));
        int half = headDim / 2;
        float[] c = new float[n * half];
        float[] s = new float[n * half];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inverseFrequencies[i];
                c[p * half + i] = (float) (Math.cos(angle) * attentionFactor);
                s[p * half + i] = (float) (Math.sin(angle) * attentionFactor);
            }
        }
        cos = c;
        sin = s;
        positions = n;
    }

    /**
     * Fills {@code cosOut} and {@code sinOut} ([N, D], row-major) for the N given positions, with the
     * half-size table repeated twice per row as the rotate-half formulation needs.
     */
    public void fill(long[] positionIds, float[] cosOut, float[] sinOut) {
        int max = 0;
        for (long p : positionIds) {
            if (p < 0) {
                throw new IllegalArgumentException("position ids must be >= 0, got " + p);
            }
            max = (int) Math.max(max, p);
        }
        ensure(max + 1);
        float[] c = cos;
        float[] s = sin;
        int half = headDim / 2;
        for (int r = 0; r < positionIds.length; r++) {
            int src = (int) positionIds[r] * half;
            int dst = r * headDim;
            System.arraycopy(c, src, cosOut, dst, half);
            System.arraycopy(c, src, cosOut, dst + half, half);
            System.arraycopy(s, src, sinOut, dst, half);
            System.arraycopy(s, src, sinOut, dst + half, half);
        }
    }
}
