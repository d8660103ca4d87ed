package dev.r1j.rl.model;

import java.util.Map;

/**
 * An independent, deliberately naive implementation of the Hugging Face Llama/Qwen2 forward pass in
 * plain Java doubles, written from the reference math (not from {@link CausalLm}): weights in Hugging
 * Face layout ([out, in]), keys and values repeated per query head as {@code repeat_kv} does, rotary
 * embedding by rotate-half. Used only to check the engine implementation.
 */
final class NaiveDecoder {

    private final TransformerConfig c;
    private final Map<String, float[]> w;

    NaiveDecoder(TransformerConfig c, Map<String, float[]> hfTensors) {
        this.c = c;
        this.w = hfTensors;
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
                rope(head, i);
            }
            for (double[] head : k[i]) {
                rope(head, i);
            }
        }
        double[][] y = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] concat = new double[hq * d];
            for (int head = 0; head < hq; head++) {
                int kvHead = head / (hq / hkv); // repeat_kv: each kv head serves hq/hkv consecutive query heads
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][head][e] * k[j][kvHead][e];
                    }
                    scores[j] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= i; j++) {
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
            double angle = pos * Math.pow(c.ropeTheta(), -2.0 * f / d);
            double rotated = i < d / 2 ? -x[i + d / 2] : x[i - d / 2];
            out[i] = x[i] * Math.cos(angle) + rotated * Math.sin(angle);
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
