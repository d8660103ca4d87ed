package dev.r1j.rl.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.model.TransformerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The parameters of a decoder in the layout the engine computes with, and their conversion to and
 * from Hugging Face tensor names.
 *
 * <p>Why a layout of our own: linear weights are stored transposed ([in, out]) so that a projection is
 * one {@code x.matMul(w)} with no transposed view per call, and the q/k/v projections (and the gate/up
 * projections) are fused into one matrix each, so that a block runs two large matrix products where
 * it would otherwise run five small ones. Checkpoints keep Hugging Face names and shapes; the split
 * and transpose happen only when loading and saving.
 */
public final class DecoderWeights {

    /** One decoder block. Optional biases are null when the config has none. */
    public static final class Block {
        public NDArray inputNorm;     // [H]
        public NDArray qkv;           // [H, (Hq + 2*Hkv) * D]
        public NDArray qkvBias;       // [(Hq + 2*Hkv) * D]
        public NDArray qNorm;         // [D], shared by the query heads (qwen3), else null
        public NDArray kNorm;         // [D], shared by the key heads (qwen3), else null
        public NDArray output;        // [Hq * D, H]
        public NDArray outputBias;    // [H]
        public NDArray postNorm;      // [H]
        public NDArray gateUp;        // [H, 2 * I]  (gate columns first, then up)
        public NDArray gateUpBias;    // [2 * I]
        public NDArray down;          // [I, H]
        public NDArray downBias;      // [H]
    }

    public NDArray embedding;         // [V, H]
    public final Block[] blocks;
    public NDArray finalNorm;         // [H]
    public NDArray lmHead;            // [H, V], null when tied to the embedding

    private final TransformerConfig config;

    private DecoderWeights(TransformerConfig config) {
        this.config = config;
        this.blocks = new Block[config.numHiddenLayers()];
    }

    /** Every parameter in a fixed order (the order optimisers and checkpoints of moments rely on). */
    public List<NDArray> all() {
        List<NDArray> out = new ArrayList<>();
        out.add(embedding);
        for (Block b : blocks) {
            for (NDArray a : new NDArray[] {b.inputNorm, b.qkv, b.qkvBias, b.output, b.outputBias, b.postNorm,
                    b.gateUp, b.gateUpBias, b.down, b.downBias, b.qNorm, b.kNorm}) {
                if (a != null) {
                    out.add(a);
                }
            }
        }
        out.add(finalNorm);
        if (lmHead != null) {
            out.add(lmHead);
        }
        return out;
    }

    /** Copies every parameter of {@code other} (same config) into these arrays, in place. */
    public void copyFrom(DecoderWeights other) {
        List<NDArray> mine = all();
        List<NDArray> theirs = other.all();
        if (mine.size() != theirs.size()) {
            throw new IllegalArgumentException("weights of different models: " + mine.size() + " vs " + theirs.size() + " arrays");
        }
        for (int i = 0; i < mine.size(); i++) {
            mine.get(i).set(theirs.get(i).toFloatArray());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Creation

    /**
     * Random weights as Hugging Face initialises these families: normal(0, 0.02) for matrices and
     * embeddings, zero biases, unit norm gains. Deterministic for a seed.
     */
    public static DecoderWeights random(TransformerConfig c, NDManager m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = hfShapes(c);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            float[] v = new float[Math.toIntExact(numel(e.getValue()))];
            if (name.endsWith("norm.weight")) {
                Arrays.fill(v, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (gaussian(rng) * 0.02);
                }
            }
            t.put(name, v);
        }
        return fromHf(c, m, new MapWeights(t, shapes), null);
    }

    /** Box–Muller; SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Loads Hugging Face tensors, checking that every expected tensor is present with the shape the
     * config implies and that nothing unexpected is left over. {@code source} names the checkpoint in
     * error messages.
     */
    public static DecoderWeights fromHf(TransformerConfig c, NDManager m, HostWeights w, Object source) {
        Map<String, long[]> expected = hfShapes(c);
        String where = source == null ? "" : source + ": ";
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!w.names().contains(e.getKey())) {
                missing.add(e.getKey());
                continue;
            }
            long[] actual = w.shape(e.getKey());
            if (!Arrays.equals(actual, e.getValue())) {
                throw new BadInputException(where + "tensor '" + e.getKey() + "' has shape " + Arrays.toString(actual)
                        + " but config.json implies " + Arrays.toString(e.getValue()));
            }
        }
        if (!missing.isEmpty()) {
            throw new BadInputException(where + "missing " + missing.size() + " tensor(s) the config requires, e.g. "
                    + missing.subList(0, Math.min(3, missing.size())));
        }
        TreeSet<String> unexpected = new TreeSet<>(w.names());
        unexpected.removeAll(expected.keySet());
        // Tied checkpoints sometimes still carry lm_head.weight; rotary buffers are derived, not learned.
        unexpected.removeIf(n -> n.endsWith("rotary_emb.inv_freq")
                || (c.tieWordEmbeddings() && n.equals("lm_head.weight")));
        if (!unexpected.isEmpty()) {
            throw new BadInputException(where + unexpected.size() + " tensor(s) the config does not account for, e.g. "
                    + new ArrayList<>(unexpected).subList(0, Math.min(3, unexpected.size()))
                    + " (does config.json match these weights?)");
        }

        int h = c.hiddenSize();
        int q = c.numAttentionHeads() * c.headDim();
        int kv = c.numKeyValueHeads() * c.headDim();
        int inter = c.intermediateSize();
        DecoderWeights d = new DecoderWeights(c);
        d.embedding = m.create(w.read("model.embed_tokens.weight"), new Shape(c.vocabSize(), h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            Block b = new Block();
            b.inputNorm = m.create(w.read(p + "input_layernorm.weight"), new Shape(h));
            b.qkv = m.create(transposeConcat(h, w.read(p + "self_attn.q_proj.weight"),
                    w.read(p + "self_attn.k_proj.weight"), w.read(p + "self_attn.v_proj.weight")),
                    new Shape(h, q + 2L * kv));
            if (c.qkvBias()) {
                b.qkvBias = m.create(concat(w.read(p + "self_attn.q_proj.bias"), w.read(p + "self_attn.k_proj.bias"),
                        w.read(p + "self_attn.v_proj.bias")), new Shape(q + 2L * kv));
            }
            if (c.queryKeyNorm()) {
                b.qNorm = m.create(w.read(p + "self_attn.q_norm.weight"), new Shape(c.headDim()));
                b.kNorm = m.create(w.read(p + "self_attn.k_norm.weight"), new Shape(c.headDim()));
            }
            b.output = m.create(transposeConcat(q, w.read(p + "self_attn.o_proj.weight")), new Shape(q, h));
            if (c.outputProjectionBias()) {
                b.outputBias = m.create(w.read(p + "self_attn.o_proj.bias"), new Shape(h));
            }
            b.postNorm = m.create(w.read(p + "post_attention_layernorm.weight"), new Shape(h));
            b.gateUp = m.create(transposeConcat(h, w.read(p + "mlp.gate_proj.weight"),
                    w.read(p + "mlp.up_proj.weight")), new Shape(h, 2L * inter));
            b.down = m.create(transposeConcat(inter, w.read(p + "mlp.down_proj.weight")), new Shape(inter, h));
            if (c.mlpBias()) {
                b.gateUpBias = m.create(concat(w.read(p + "mlp.gate_proj.bias"), w.read(p + "mlp.up_proj.bias")),
                        new Shape(2L * inter));
                b.downBias = m.create(w.read(p + "mlp.down_proj.bias"), new Shape(h));
            }
            d.blocks[i] = b;
        }
        d.finalNorm = m.create(w.read("model.norm.weight"), new Shape(h));
        if (!c.tieWordEmbeddings()) {
            d.lmHead = m.create(transposeConcat(h, w.read("lm_head.weight")),
                    new Shape(h, c.vocabSize()));
        }
        return d;
    }

    /** These weights under Hugging Face names and shapes, copied to the heap, in a stable order. */
    public Map<String, float[]> toHf() {
        TransformerConfig c = config;
        int h = c.hiddenSize();
        int q = c.numAttentionHeads() * c.headDim();
        int kv = c.numKeyValueHeads() * c.headDim();
        int inter = c.intermediateSize();
        Map<String, float[]> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", embedding.toFloatArray());
        for (int i = 0; i < blocks.length; i++) {
            String p = "model.layers." + i + ".";
            Block b = blocks[i];
            t.put(p + "input_layernorm.weight", b.inputNorm.toFloatArray());
            float[][] qkvParts = splitTranspose(b.qkv.toFloatArray(), h, q, kv, kv);
            t.put(p + "self_attn.q_proj.weight", qkvParts[0]);
            t.put(p + "self_attn.k_proj.weight", qkvParts[1]);
            t.put(p + "self_attn.v_proj.weight", qkvParts[2]);
            if (b.qkvBias != null) {
                float[] bias = b.qkvBias.toFloatArray();
                t.put(p + "self_attn.q_proj.bias", Arrays.copyOfRange(bias, 0, q));
                t.put(p + "self_attn.k_proj.bias", Arrays.copyOfRange(bias, q, q + kv));
                t.put(p + "self_attn.v_proj.bias", Arrays.copyOfRange(bias, q + kv, q + 2 * kv));
            }
            if (b.qNorm != null) {
                t.put(p + "self_attn.q_norm.weight", b.qNorm.toFloatArray());
                t.put(p + "self_attn.k_norm.weight", b.kNorm.toFloatArray());
            }
            t.put(p + "self_attn.o_proj.weight", splitTranspose(b.output.toFloatArray(), q, h)[0]);
            if (b.outputBias != null) {
                t.put(p + "self_attn.o_proj.bias", b.outputBias.toFloatArray());
            }
            t.put(p + "post_attention_layernorm.weight", b.postNorm.toFloatArray());
            float[][] gu = splitTranspose(b.gateUp.toFloatArray(), h, inter, inter);
            t.put(p + "mlp.gate_proj.weight", gu[0]);
            t.put(p + "mlp.up_proj.weight", gu[1]);
            t.put(p + "mlp.down_proj.weight", splitTranspose(b.down.toFloatArray(), inter, h)[0]);
            if (b.gateUpBias != null) {
                float[] bias = b.gateUpBias.toFloatArray();
                t.put(p + "mlp.gate_proj.bias", Arrays.copyOfRange(bias, 0, inter));
                t.put(p + "mlp.up_proj.bias", Arrays.copyOfRange(bias, inter, 2 * inter));
                t.put(p + "mlp.down_proj.bias", b.downBias.toFloatArray());
            }
        }
        t.put("model.norm.weight", finalNorm.toFloatArray());
        if (lmHead != null) {
            t.put("lm_head.weight", splitTranspose(lmHead.toFloatArray(), h, c.vocabSize())[0]);
        }
        return t;
    }

    /** The Hugging Face tensor names and shapes a config implies, in checkpoint order. */
    public static Map<String, long[]> hfShapes(TransformerConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {h});
            s.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            s.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            s.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            if (c.qkvBias()) {
                s.put(p + "self_attn.q_proj.bias", new long[] {q});
                s.put(p + "self_attn.k_proj.bias", new long[] {kv});
                s.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (c.queryKeyNorm()) {
                s.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
                s.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
            }
            s.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            if (c.outputProjectionBias()) {
                s.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            s.put(p + "post_attention_layernorm.weight", new long[] {h});
            s.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
            s.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            s.put(p + "mlp.down_proj.weight", new long[] {h, inter});
            if (c.mlpBias()) {
                s.put(p + "mlp.gate_proj.bias", new long[] {inter});
                s.put(p + "mlp.up_proj.bias", new long[] {inter});
                s.put(p + "mlp.down_proj.bias", new long[] {h});
            }
        }
        s.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            s.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------
    // Layout conversion: Hugging Face [out, in] matrices <-> our [in, sum(out)] fused matrices.

    /**
     * Transposes each [out_k, in] matrix (row-major, out_k = length / in) and places them side by
     * side: the result is [in, sum(out_k)].
     */
    static float[] transposeConcat(int in, float[]... matrices) {
        int total = 0;
        for (float[] m : matrices) {
            total += m.length / in;
        }
        float[] out = new float[in * total];
        int col0 = 0;
        for (float[] m : matrices) {
            int rows = m.length / in;
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < in; i++) {
                    out[i * total + col0 + r] = m[r * in + i];
                }
            }
            col0 += rows;
        }
        return out;
    }

    /** Inverse of {@link #transposeConcat}: splits [in, sum(out_k)] into [out_k, in] matrices. */
    static float[][] splitTranspose(float[] fused, int in, int... outs) {
        int total = Arrays.stream(outs).sum();
        float[][] parts = new float[outs.length][];
        int col0 = 0;
        for (int k = 0; k < outs.length; k++) {
            float[] m = new float[outs[k] * in];
            for (int r = 0; r < outs[k]; r++) {
                for (int i = 0; i < in; i++) {
                    m[r * in + i] = fused[i * total + col0 + r];
                }
            }
            parts[k] = m;
            col0 += outs[k];
        }
        return parts;
    }

    /** The arrays one after the other: how q/k/v and gate/up weights are fused (here and in the ONNX export). */
    public static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Heap tensors by name: the form random initialisation and tests produce. */
    public record MapWeights(Map<String, float[]> values, Map<String, long[]> shapes) implements HostWeights {
        @Override
        public java.util.Set<String> names() {
            return values.keySet();
        }

        @Override
        public long[] shape(String name) {
            return shapes.get(name).clone();
        }

        @Override
        public float[] read(String name) {
            return values.get(name);
        }
    }
}
