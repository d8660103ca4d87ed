package dev.r1j.rl.model;

import java.util.Map;

/**
 * An independent, deliberately naive implementation of the Hugging Face Llama/Qwen2/Qwen3/Mistral
 * forward pass in plain Java doubles, written from the reference math (not from {@link CausalLm} or
 * {@link RopeScaling}'s code): weights in Hugging Face layout ([out, in]), keys and values repeated per
 * query head as {@code repeat_kv} does, rotary embedding by rotate-half with the frequencies of the
 * published scalings (linear, Llama 3.1's, YaRN's with its attention factor), Qwen3's RMSNorm of each
 * query and key head before the rotation, and Mistral's sliding window (a query sees itself and the
 * {@code window - 1} positions before it). Used only to check the engine implementation.
 */
final class NaiveDecoder {

    private final TransformerConfig c;
    private final Map<String, float[]> w;
    private final double[] inverseFrequency; // [D/2]
    private final double cosSinScale;

    NaiveDecoder(TransformerConfig c, Map<String, float[]> hfTensors) {
        this.c = c;
        this.w = hfTensors;
        this.inverseFrequency = inverseFrequencies(c);
        this.cosSinScale = c.ropeScaling() instanceof RopeScaling.Yarn y ? yarnAttentionFactor(y) : 1.0;
    }

    /** theta^(-2i/D), then the scaling of the config, each written out from its definition. */
    static double[] inverseFrequencies(TransformerConfig c) {
        int d = c.headDim();
        double[] f = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            double base = Math.pow(c.ropeTheta(), -2.0 * i / d);
            if (c.ropeScaling() instanceof RopeScaling.Linear lin) {
                f[i] = base / lin.factor();
            } else if (c.ropeScaling() instanceof RopeScaling.Llama3 l) {
                // Llama 3.1: by wavelength; long ones slowed by the factor, short ones kept, a linear blend between.
                double wavelength = 2 * Math.PI / base;
                double longest = l.originalMaxPositionEmbeddings() / l.lowFreqFactor();
                double shortest = l.originalMaxPositionEmbeddings() / l.highFreqFactor();
                if (wavelength < shortest) {
                    f[i] = base;
                } else if (wavelength > longest) {
                    f[i] = base / l.factor();
                } else {
                    double smooth = (l.originalMaxPositionEmbeddings() / wavelength - l.lowFreqFactor())
                            / (l.highFreqFactor() - l.lowFreqFactor());
                    f[i] = smooth * base + (1 - smooth) * base / l.factor();
                }
            } else if (c.ropeScaling() instanceof RopeScaling.Yarn y) {
                // YaRN: dimension r of the correction range blends interpolation (base / s) and extrapolation (base).
                double ctx = y.originalMaxPositionEmbeddings() == 0 ? c.maxPositionEmbeddings() : y.originalMaxPositionEmbeddings();
                double fast = y.betaFast() == 0 ? 32 : y.betaFast();
                double slow = y.betaSlow() == 0 ? 1 : y.betaSlow();
                // The dimension at which a frequency turns `rot` times over ctx: d * ln(ctx / (2 pi rot)) / (2 ln theta).
                double lo = d * Math.log(ctx / (2 * Math.PI * fast)) / (2 * Math.log(c.ropeTheta()));
                double hi = d * Math.log(ctx / (2 * Math.PI * slow)) / (2 * Math.log(c.ropeTheta()));
                if (y.truncate()) {
                    lo = Math.floor(lo);
                    hi = Math.ceil(hi);
                }
                lo = Math.max(0, lo);
                hi = Math.min(d - 1, hi);
                if (hi == lo) {
                    hi = lo + 0.001;
                }
                double gamma = Math.max(0, Math.min(1, (i - lo) / (hi - lo)));
                f[i] = base * (1 - gamma) + base / y.factor() * gamma;
            } else {
                f[i] = base;
            }
        }
        return f;
    }

    /** YaRN's scale of cos and sin: 0.1 * m * ln(s) + 1 (a ratio of two when mscale and mscale_all_dim are set). */
    static double yarnAttentionFactor(RopeScaling.Yarn y) {
        if (y.givenAttentionFactor() != 0) {
            return y.givenAttentionFactor();
        }
        double s = y.factor();
        if (s <= 1) {
            return 1;
        }
        if (y.mscale() != 0 && y.mscaleAllDim() != 0) {
            return (0.1 * y.mscale() * Math.log(s) + 1) / (0.1 * y.mscaleAllDim() * Math.log(s) + 1);
        }
        return 0.1 * Math.log(s) + 1;
    }

    /** Logits [T][V] for one sequence at positions 0..T-1. */
    double[][] logits(int[] ids) {
        int t = ids.length;
        int h = c.hiddenSize();
        double[][] x = new double[t][];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            x[i] = new double[h];
            for (int j = 0; j < h; j++) {
                x[i][j] = emb[ids[i] * h + j];
            }
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            x = layer(l, x);
        }
        float[] head = c.tieWordEmbeddings() ? emb : w.get("lm_head.weight");
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            out[i] = linear(norm(x[i], w.get("model.norm.weight")), head, null, c.vocabSize());
        }
        return out;
    }

    private double[][] layer(int l, double[][] x) {
        String p = "model.layers." + l + ".";
        int t = x.length;
        int hq = c.numAttentionHeads();
        int hkv = c.numKeyValueHeads();
        int d = c.headDim();
        double[][][] q = new double[t][][];
        double[][][] k = new double[t][][];
        double[][][] v = new double[t][][];
        for (int i = 0; i < t; i++) {
            double[] n = norm(x[i], w.get(p + "input_layernorm.weight"));
            q[i] = heads(linear(n, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"), hq * d), hq, d);
            k[i] = heads(linear(n, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"), hkv * d), hkv, d);
            v[i] = heads(linear(n, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"), hkv * d), hkv, d);
            for (double[] head : q[i]) {
                if (c.queryKeyNorm()) {
                    System.arraycopy(norm(head, w.get(p + "self_attn.q_norm.weight")), 0, head, 0, d);
                }
                rope(head, i);
            }
            for (double[] head : k[i]) {
                if (c.queryKeyNorm()) {
                    System.arraycopy(norm(head, w.get(p + "self_attn.k_norm.weight")), 0, head, 0, d);
                }
                rope(head, i);
            }
        }
        double[][] y = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] concat = new double[hq * d];
            for (int head = 0; head < hq; head++) {
                int kvHead = head / (hq / hkv); // repeat_kv: each kv head serves hq/hkv consecutive query heads
                // Keys j with i - window < j <= i under a sliding window, else every j <= i.
                int from = c.slidingWindow() > 0 ? Math.max(0, i - c.slidingWindow() + 1) : 0;
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = from; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][head][e] * k[j][kvHead][e];
                    }
                    scores[j] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = from; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = from; j <= i; j++) {
                    for (int e = 0; e < d; e++) {
                        concat[head * d + e] += scores[j] / sum * v[j][kvHead][e];
                    }
                }
            }
            double[] o = linear(concat, w.get(p + "self_attn.o_proj.weight"), w.get(p + "self_attn.o_proj.bias"), c.hiddenSize());
            y[i] = add(x[i], o);
        }
        for (int i = 0; i < t; i++) {
            double[] n = norm(y[i], w.get(p + "post_attention_layernorm.weight"));
            int inter = c.intermediateSize();
            double[] gate = linear(n, w.get(p + "mlp.gate_proj.weight"), w.get(p + "mlp.gate_proj.bias"), inter);
            double[] up = linear(n, w.get(p + "mlp.up_proj.weight"), w.get(p + "mlp.up_proj.bias"), inter);
            double[] act = new double[inter];
            for (int j = 0; j < inter; j++) {
                act[j] = gate[j] / (1 + Math.exp(-gate[j])) * up[j];
            }
            y[i] = add(y[i], linear(act, w.get(p + "mlp.down_proj.weight"), w.get(p + "mlp.down_proj.bias"), c.hiddenSize()));
        }
        return y;
    }

    private void rope(double[] x, int pos) {
        int d = x.length;
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            int f = i % (d / 2);
            double angle = pos * inverseFrequency[f];
            double rotated = i < d / 2 ? -x[i + d / 2] : x[i - d / 2];
            out[i] = x[i] * Math.cos(angle) * cosSinScale + rotated * Math.sin(angle) * cosSinScale;
        }
        System.arraycopy(out, 0, x, 0, d);
    }

    private double[] norm(double[] x, float[] gain) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        ms /= x.length;
        double inv = 1 / Math.sqrt(ms + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * gain[i];
        }
        return out;
    }

    private static double[] linear(double[] x, float[] weight, float[] bias, int outDim) {
        int in = x.length;
        double[] y = new double[outDim];
        for (int o = 0; o < outDim; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int i = 0; i < in; i++) {
                s += weight[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private static double[][] heads(double[] flat, int n, int d) {
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
