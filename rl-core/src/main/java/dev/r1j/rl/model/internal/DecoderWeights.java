package dev.r1j.rl.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.TransformerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;

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

    /**
     * Replaces every parameter, in place, with the Hugging Face tensors of {@code w} (checked as
     * {@link #fromHf} checks them), one engine array at a time: neither the heap nor the engine holds a
     * second copy of the model. Call with gradient recording off.
     */
    public void loadFrom(HostWeights w, Object source) {
        check(config, w, source);
        for (Slot slot : layout(config)) {
            NDArray target = slot.get(this);
            try (NDManager scratch = target.getManager().newSubManager()) {
                NDArray fresh = slot.build(w, scratch);
                if (fresh.getDataType() != target.getDataType()) { // a weight stored in half precision
                    fresh = fresh.toType(target.getDataType(), false);
                }
                target.set(new NDIndex(":"), fresh); // an in-place copy: the array keeps its identity
            }
        }
    }

    /** An independent copy of these weights owned by {@code m}, made by the engine (nothing passes the heap). */
    public DecoderWeights duplicate(NDManager m) {
        return duplicate(m, null);
    }

    /**
     * As {@link #duplicate(NDManager)}, with the {@linkplain #isMatrix matrices} of the copy stored as
     * {@code matrices} (null: as they are here), converted one array at a time, so the copy never
     * exists in float32 as a whole.
     */
    public DecoderWeights duplicate(NDManager m, DataType matrices) {
        DecoderWeights d = new DecoderWeights(config);
        for (Slot slot : layout(config)) {
            NDArray source = slot.get(this);
            NDArray copy = matrices != null && slot.isMatrix() && source.getDataType() != matrices
                    ? source.toType(matrices, true) : source.duplicate();
            copy.attach(m);
            slot.set(d, copy);
        }
        return d;
    }

    /**
     * Stores every {@linkplain #isMatrix matrix} (projections, token embedding, an untied head) as
     * {@code type}, in place, one array at a time: the old array is freed as soon as its converted
     * copy exists. For weights nobody trains (their arrays change identity, so an optimiser that
     * holds them would be left with closed arrays). Norm gains and biases keep their type.
     */
    public void storeMatrices(DataType type) {
        for (Slot slot : layout(config)) {
            NDArray old = slot.get(this);
            if (!slot.isMatrix() || old.getDataType() == type) {
                continue;
            }
            NDArray converted = old.toType(type, true);
            converted.attach(old.getManager());
            slot.set(this, converted);
            old.close();
        }
    }

    /**
     * {@code weight} as float32 for one product: the weight itself when it is stored in float32, else
     * a float32 copy owned by {@code step} (freed with the step's other temporaries, so nothing
     * accumulates in the weights' manager).
     */
    public static NDArray forCompute(NDArray weight, NDManager step) {
        if (weight.getDataType() == DataType.FLOAT32) {
            return weight;
        }
        NDArray up = weight.toType(DataType.FLOAT32, false);
        up.attach(step);
        return up;
    }

    // ---------------------------------------------------------------------------------------------
    // Creation

    /**
     * Random weights as Hugging Face initialises these families: normal(0, 0.02) for matrices and
     * embeddings, zero biases, unit norm gains. Deterministic for a seed; generated one tensor at a time
     * (see {@link RandomWeights}).
     */
    public static DecoderWeights random(TransformerConfig c, NDManager m, long seed) {
        return fromHf(c, m, new RandomWeights(hfShapes(c), seed), null);
    }

    /**
     * Loads Hugging Face tensors, checking that every expected tensor is present with the shape the
     * config implies and that nothing unexpected is left over. {@code source} names the checkpoint in
     * error messages.
     */
    public static DecoderWeights fromHf(TransformerConfig c, NDManager m, HostWeights w, Object source) {
        check(c, w, source);
        DecoderWeights d = new DecoderWeights(c);
        try {
            for (Slot slot : layout(c)) {
                slot.set(d, slot.build(w, m));
            }
        } catch (RuntimeException e) {
            d.closeArrays();
            throw e;
        }
        return d;
    }

    /**
     * Checks that {@code w} holds every tensor the config implies, with the shape it implies, and
     * nothing the config does not account for.
     */
    private static void check(TransformerConfig c, HostWeights w, Object source) {
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
    }

    private void closeArrays() {
        for (Slot slot : layout(config)) {
            NDArray a = slot.get(this);
            if (a != null) {
                a.close();
            }
        }
    }

    /**
     * These weights under Hugging Face names and shapes, copied to the heap, in a stable order. Holds
     * the whole model on the heap: for tests and small models only; everything else goes through
     * {@link #hfView()}.
     */
    public Map<String, float[]> toHf() {
        HostWeights view = hfView();
        Map<String, float[]> t = new LinkedHashMap<>();
        for (String name : hfShapes(config).keySet()) {
            t.put(name, view.read(name));
        }
        return t;
    }

    /**
     * A live view of these weights under Hugging Face names and shapes, read from the engine arrays
     * one tensor (or one chunk) at a time when asked: what checkpoint writers and exporters stream from.
     * Valid while the weights are open; it sees later updates.
     */
    public HostWeights hfView() {
        return new EngineView(null);
    }

    /**
     * As {@link #hfView()}, with {@code adapter}'s weight delta added to every projection it targets
     * (computed on the engine per read, without gradient recording, freed with the read): the merged
     * weights, never stored.
     */
    public HostWeights hfView(dev.r1j.rl.model.ProjectionAdapter adapter) {
        return new EngineView(adapter);
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
     * One engine array and the Hugging Face tensors it is made of: {@code parts} are concatenated along
     * their first axis and, when {@code transposed}, transposed, e.g. q/k/v [q | kv | kv, H] become
     * [H, q + 2 kv]. The one table that loading, saving, copying and the live view all follow.
     */
    private record Slot(String[] parts, boolean transposed, Function<DecoderWeights, NDArray> getter,
                        BiConsumer<DecoderWeights, NDArray> setter) {

        NDArray get(DecoderWeights d) {
            return getter.apply(d);
        }

        /** Whether this slot is a matrix (2-D): what half-precision storage converts. */
        boolean isMatrix() {
            return transposed || parts[0].endsWith("embed_tokens.weight");
        }

        void set(DecoderWeights d, NDArray a) {
            setter.accept(d, a);
        }

        /** Builds this slot's array from {@code w}, owned by {@code m} and by the engine. */
        NDArray build(HostWeights w, NDManager m) {
            if (parts.length == 1 && !transposed) {
                return w.toArray(parts[0], m);
            }
            try (NDManager scratch = m.newSubManager()) {
                NDList loaded = new NDList();
                for (String p : parts) {
                    loaded.add(w.toArray(p, scratch));
                }
                NDArray cat = loaded.size() == 1 ? loaded.get(0) : NDArrays.concat(loaded, 0); // [sum(out), in] or [sum]
                NDArray out;
                if (transposed) {
                    Shape shape = new Shape(cat.getShape().get(1), cat.getShape().get(0));
                    // flatten() copies the transposed view into row-major storage of the engine's own; the
                    // reshaped view keeps that storage alive after the scratch handles close. (A further
                    // duplicate() made a third copy at the peak: 2.8 GB for a 151,936 x 1,536 lm_head.)
                    out = cat.transpose().flatten().reshape(shape);             // [in, sum(out)]
                } else {
                    out = cat.duplicate();
                }
                out.attach(m);
                return out;
            }
        }
    }

    /** The slots of a config, in the order of {@link #all()} (the order of optimiser moments). */
    private static List<Slot> layout(TransformerConfig c) {
        List<Slot> s = new ArrayList<>();
        s.add(new Slot(new String[] {"model.embed_tokens.weight"}, false, d -> d.embedding, (d, a) -> d.embedding = a));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            final int layer = i;
            String p = "model.layers." + i + ".";
            Function<DecoderWeights, Block> blk = d -> {
                if (d.blocks[layer] == null) {
                    d.blocks[layer] = new Block();
                }
                return d.blocks[layer];
            };
            s.add(new Slot(new String[] {p + "input_layernorm.weight"}, false,
                    d -> blk.apply(d).inputNorm, (d, a) -> blk.apply(d).inputNorm = a));
            s.add(new Slot(new String[] {p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                    p + "self_attn.v_proj.weight"}, true, d -> blk.apply(d).qkv, (d, a) -> blk.apply(d).qkv = a));
            if (c.qkvBias()) {
                s.add(new Slot(new String[] {p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias",
                        p + "self_attn.v_proj.bias"}, false, d -> blk.apply(d).qkvBias, (d, a) -> blk.apply(d).qkvBias = a));
            }
            s.add(new Slot(new String[] {p + "self_attn.o_proj.weight"}, true,
                    d -> blk.apply(d).output, (d, a) -> blk.apply(d).output = a));
            if (c.outputProjectionBias()) {
                s.add(new Slot(new String[] {p + "self_attn.o_proj.bias"}, false,
                        d -> blk.apply(d).outputBias, (d, a) -> blk.apply(d).outputBias = a));
            }
            s.add(new Slot(new String[] {p + "post_attention_layernorm.weight"}, false,
                    d -> blk.apply(d).postNorm, (d, a) -> blk.apply(d).postNorm = a));
            s.add(new Slot(new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"}, true,
                    d -> blk.apply(d).gateUp, (d, a) -> blk.apply(d).gateUp = a));
            if (c.mlpBias()) {
                s.add(new Slot(new String[] {p + "mlp.gate_proj.bias", p + "mlp.up_proj.bias"}, false,
                        d -> blk.apply(d).gateUpBias, (d, a) -> blk.apply(d).gateUpBias = a));
            }
            s.add(new Slot(new String[] {p + "mlp.down_proj.weight"}, true,
                    d -> blk.apply(d).down, (d, a) -> blk.apply(d).down = a));
            if (c.mlpBias()) {
                s.add(new Slot(new String[] {p + "mlp.down_proj.bias"}, false,
                        d -> blk.apply(d).downBias, (d, a) -> blk.apply(d).downBias = a));
            }
            if (c.queryKeyNorm()) { // last in the block, as in all(), so older families keep their order
                s.add(new Slot(new String[] {p + "self_attn.q_norm.weight"}, false,
                        d -> blk.apply(d).qNorm, (d, a) -> blk.apply(d).qNorm = a));
                s.add(new Slot(new String[] {p + "self_attn.k_norm.weight"}, false,
                        d -> blk.apply(d).kNorm, (d, a) -> blk.apply(d).kNorm = a));
            }
        }
        s.add(new Slot(new String[] {"model.norm.weight"}, false, d -> d.finalNorm, (d, a) -> d.finalNorm = a));
        if (!c.tieWordEmbeddings()) {
            s.add(new Slot(new String[] {"lm_head.weight"}, true, d -> d.lmHead, (d, a) -> d.lmHead = a));
        }
        return s;
    }

    /** Where a Hugging Face tensor lives: its slot and the offset of its rows among the slot's parts. */
    private record Place(Slot slot, long offset, long[] shape) {}

    /** The engine arrays seen under Hugging Face names; see {@link #hfView()}. */
    private final class EngineView implements HostWeights {
        private final Map<String, long[]> shapes = hfShapes(config);
        private final Map<String, Place> places = new LinkedHashMap<>();
        private final dev.r1j.rl.model.ProjectionAdapter adapter;

        EngineView(dev.r1j.rl.model.ProjectionAdapter adapter) {
            this.adapter = adapter;
            for (Slot slot : layout(config)) {
                long offset = 0;
                for (String part : slot.parts()) {
                    long[] shape = shapes.get(part);
                    places.put(part, new Place(slot, offset, shape));
                    offset += shape[0];
                }
            }
        }

        @Override
        public java.util.Set<String> names() {
            return shapes.keySet();
        }

        @Override
        public long[] shape(String name) {
            return place(name).shape().clone();
        }

        /**
         * Rows {@code [r0, r1)} of tensor {@code name} in the Hugging Face layout, as a view of the
         * engine array where possible; the caller's {@link NDScope} closes what this makes.
         */
        private NDArray rows(String name, long r0, long r1) {
            Place p = place(name);
            NDArray a = p.slot().get(DecoderWeights.this);
            if (a.getDataType() != DataType.FLOAT32) {
                // Readers get float32 whatever the storage; the scope frees this copy.
                a = a.toType(DataType.FLOAT32, true);
            }
            if (adapter != null && p.slot().transposed()) {
                a = merged(p.slot(), a);
            }
            if (p.slot().transposed()) {
                // Rows of the [out, in] tensor are columns of the [in, sum(out)] engine array.
                return a.get(new NDIndex(":, " + (p.offset() + r0) + ":" + (p.offset() + r1))).transpose(); // [r1-r0, in]
            }
            return a.get(new NDIndex((p.offset() + r0) + ":" + (p.offset() + r1)));
        }

        @Override
        public float[] read(String name) {
            try (NDScope scope = new NDScope()) {
                return rows(name, 0, place(name).shape()[0]).toFloatArray();
            }
        }

        @Override
        public void stream(String name, Chunks sink) throws IOException {
            try (NDScope scope = new NDScope()) {
                HostWeights.streamArray(rows(name, 0, place(name).shape()[0]), sink);
            }
        }

        @Override
        public NDArray toArray(String name, NDManager m) {
            long[] shape = place(name).shape();
            try (NDScope scope = new NDScope()) {
                NDArray copy = rows(name, 0, shape[0]).flatten().reshape(new Shape(shape)).duplicate();
                NDScope.unregister(copy);
                copy.attach(m);
                return copy;
            }
        }

        /** {@code a} plus the adapter's delta when it targets this slot's projection, else {@code a}; in the caller's scope. */
        private NDArray merged(Slot slot, NDArray a) {
            String first = slot.parts()[0];                     // model.layers.{i}.{module}.{proj}.weight
            if (!first.startsWith("model.layers.")) {
                return a;                                       // an untied output head: adapters never target it
            }
            String[] path = first.split("\\.");
            int layer = Integer.parseInt(path[2]);
            dev.r1j.rl.model.ProjectionAdapter.Projection projection = switch (path[4]) {
                case "q_proj" -> dev.r1j.rl.model.ProjectionAdapter.Projection.QKV;
                case "o_proj" -> dev.r1j.rl.model.ProjectionAdapter.Projection.OUTPUT;
                case "gate_proj" -> dev.r1j.rl.model.ProjectionAdapter.Projection.GATE_UP;
                case "down_proj" -> dev.r1j.rl.model.ProjectionAdapter.Projection.DOWN;
                default -> throw new IllegalStateException("not a projection: " + first);
            };
            boolean grad = dev.r1j.rl.model.Engines.gradMode(false);
            try {
                NDArray delta = adapter.weightDelta(layer, projection, a.getManager());   // [in, out] or null
                return delta == null ? a : a.add(delta);                                 // [in, out]
            } finally {
                dev.r1j.rl.model.Engines.gradMode(grad);
            }
        }

        private Place place(String name) {
            Place p = places.get(name);
            if (p == null) {
                throw new IllegalArgumentException("no tensor '" + name + "' in this model (it has " + places.size() + ")");
            }
            return p;
        }
    }

    /** Elements of a tensor of {@code shape} (1 for a scalar). */
    static long numel(long[] shape) {
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
