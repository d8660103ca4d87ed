package dev.r1j.distill.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.generate.SampledTokens;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.ModelFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX Runtime session over a decoder with Hugging Face Optimum's "with past" signature (see
 * {@link DecoderGraph}), whoever exported it. The signature is read from the session's metadata:
 * layers from the {@code past_key_values.{i}.key} inputs, key/value heads and head size from their
 * shapes (or {@code config.json} where the export left them symbolic), the vocabulary from the
 * {@code logits} output. Inputs r1j cannot feed correctly are refused by name.
 *
 * <p>Key/value caches: for Optimum's signature, the session's own {@code present.*} output tensors,
 * fed back as the next step's inputs without a copy (the graph's Concat copies the whole cache every
 * step); for r1j's rollout graph ({@link DecoderGraph#CACHE_LENGTH}), slots of our own that the graph
 * reads in place, into which only each step's new keys and values are written. Logits are written by
 * the session into a direct buffer of ours.
 */
public final class OrtDecoder implements AutoCloseable {

    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int vocab;
    /** Whether {@code logits} is [B, V] (the last new position only) rather than Optimum's [B, T, V]. */
    private final boolean lastPositionLogits;
    /** Whether the graph ends in r1j's {@link SamplingTail} (the in-memory rollout graph does). */
    private final boolean samples;
    /** Whether the cache lives in slots of ours that the graph reads in place (the rollout graph's). */
    private final boolean slots;
    /** Per layer, the names of its cache inputs and outputs, spelled once rather than every step. */
    private final String[] pastKeys;
    private final String[] pastValues;
    private final String[] presentKeys;
    private final String[] presentValues;
    /** The outputs every run fetches: the new cache. */
    private final Set<String> presentNames;
    /** Weights the graph takes as inputs, fed with every run (empty for a graph that holds its own). */
    private Map<String, OnnxTensor> weightInputs = Map.of();

    private OrtDecoder(Path file, OrtEnvironment env, OrtSession session, int layers, int kvHeads, int headDim, int vocab,
                       boolean lastPositionLogits, boolean samples, boolean slots) {
        this.lastPositionLogits = lastPositionLogits;
        this.samples = samples;
        this.slots = slots;
        this.file = file;
        this.env = env;
        this.session = session;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.vocab = vocab;
        this.pastKeys = new String[layers];
        this.pastValues = new String[layers];
        this.presentKeys = new String[layers];
        this.presentValues = new String[layers];
        Set<String> present = new java.util.LinkedHashSet<>();
        for (int i = 0; i < layers; i++) {
            pastKeys[i] = "past_key_values." + i + ".key";
            pastValues[i] = "past_key_values." + i + ".value";
            presentKeys[i] = DecoderGraph.presentKey(slots, i);
            presentValues[i] = DecoderGraph.presentValue(slots, i);
            present.add(presentKeys[i]);
            present.add(presentValues[i]);
        }
        this.presentNames = java.util.Collections.unmodifiableSet(present);
    }

    /**
     * Opens {@code file} and checks its signature. {@code config} is the model's {@code config.json}
     * (or null), consulted only for sizes the graph leaves symbolic.
     */
    public static OrtDecoder open(Path file, JsonNode config, int threads) {
        return open(file, config, threads, System.getenv(PROFILE_ENV));
    }

    /** {@link #open(Path, JsonNode, int)} with ONNX Runtime's profiler writing to {@code profilePrefix} (null: off). */
    static OrtDecoder open(Path file, JsonNode config, int threads, String profilePrefix) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions opts = sessionOptions(threads, profilePrefix)) {
            session = env.createSession(file.toString(), opts);
        } catch (OrtException e) {
            throw BadInputException.at(file, 0, null, "ONNX Runtime cannot load it: " + e.getMessage());
        }
        try {
            return inspect(file, env, session, config);
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw BadInputException.at(file, 0, null, "cannot read the session's inputs: " + e.getMessage());
        }
    }

    /**
     * A session over an in-memory graph ({@link DecoderGraph#rollout}) whose weights come from direct
     * buffers: as external initializers given at session creation, or as inputs fed with every run.
     * {@code name} only labels messages.
     */
    public static OrtDecoder inMemory(String name, byte[] model, Map<String, ? extends ai.onnxruntime.OnnxTensorLike> externalInitializers,
                                      Map<String, OnnxTensor> weightInputs, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path label = Path.of(name);
        OrtSession session;
        try (OrtSession.SessionOptions opts = sessionOptions(threads, System.getenv(PROFILE_ENV))) {
            if (!externalInitializers.isEmpty()) {
                opts.addExternalInitializers(new HashMap<>(externalInitializers));
            }
            session = env.createSession(model, opts);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot build the rollout session: " + e.getMessage(), e);
        }
        try {
            OrtDecoder d = inspect(label, env, session, null, weightInputs.keySet());
            d.weightInputs = Map.copyOf(weightInputs);
            return d;
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The environment variable that turns on ONNX Runtime's profiler for every decoder session: its
     * value is the path prefix of the JSON trace each session writes when it closes
     * ({@code PREFIX_DATE.json}, one event per node run, readable in chrome://tracing or Perfetto).
     */
    public static final String PROFILE_ENV = "R1J_ORT_PROFILE";

    /**
     * Full graph optimisation, {@code threads} intra-op threads (0: ONNX Runtime's default), and the
     * profiler writing to {@code profilePrefix} unless it is null or blank.
     */
    private static OrtSession.SessionOptions sessionOptions(int threads, String profilePrefix) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                opts.setIntraOpNumThreads(threads);
            }
            if (profilePrefix != null && !profilePrefix.isBlank()) {
                opts.enableProfiling(profilePrefix);
            }
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    private static OrtDecoder inspect(Path file, OrtEnvironment env, OrtSession session, JsonNode config) throws OrtException {
        return inspect(file, env, session, config, Set.of());
    }

    private static OrtDecoder inspect(Path file, OrtEnvironment env, OrtSession session, JsonNode config,
                                      Set<String> weightInputs) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        if (inputs.containsKey("use_cache_branch")) {
            throw bad(file, "use_cache_branch", "this is a merged decoder (with and without past in one graph); r1j runs "
                    + "the plain with-past decoder: export with optimum-cli's --no-post-process, or use decoder_with_past_model.onnx");
        }
        for (String required : List.of("input_ids", "attention_mask", "position_ids")) {
            if (!inputs.containsKey(required)) {
                throw bad(file, required, required.equals("position_ids")
                        ? "the model has no position_ids input; r1j left-pads batched prompts and must tell the model each "
                            + "token's position (re-export with a recent Optimum, which adds it for Llama/Qwen2)"
                        : "the model has no " + required + " input; r1j needs Optimum's decoder signature");
            }
            checkType(file, required, inputs.get(required), OnnxJavaType.INT64);
        }
        int layers = 0;
        while (inputs.containsKey("past_key_values." + layers + ".key")) {
            layers++;
        }
        if (layers == 0) {
            throw bad(file, "past_key_values.0.key", "missing: r1j needs a decoder with past key/values (Optimum task "
                    + "text-generation-with-past)");
        }
        boolean slots = inputs.containsKey(DecoderGraph.CACHE_LENGTH);
        if (slots) {
            checkType(file, DecoderGraph.CACHE_LENGTH, inputs.get(DecoderGraph.CACHE_LENGTH), OnnxJavaType.INT64);
        }
        long[] keyShape = null;
        for (int i = 0; i < layers; i++) {
            for (String kind : List.of("key", "value")) {
                String in = "past_key_values." + i + "." + kind;
                String out = kind.equals("key") ? DecoderGraph.presentKey(slots, i) : DecoderGraph.presentValue(slots, i);
                if (!inputs.containsKey(in)) {
                    throw bad(file, in, "missing (the model has past_key_values.0.." + (layers - 1) + ".key)");
                }
                if (!outputs.containsKey(out)) {
                    throw bad(file, out, "missing output: the model must return its key/value cache");
                }
                TensorInfo t = checkType(file, in, inputs.get(in), OnnxJavaType.FLOAT);
                if (t.getShape().length != 4) {
                    throw bad(file, in, "must be [batch, kv_heads, past_len, head_dim], has " + t.getShape().length + " dimensions");
                }
                keyShape = keyShape == null ? t.getShape() : keyShape;
            }
        }
        boolean samples = inputs.keySet().containsAll(SamplingTail.INPUTS) && outputs.containsKey(SamplingTail.TOKENS)
                && outputs.containsKey(SamplingTail.LOG_PROBS);
        for (String name : inputs.keySet()) {
            boolean known = name.equals("input_ids") || name.equals("attention_mask") || name.equals("position_ids")
                    || name.matches("past_key_values\\.\\d+\\.(key|value)") || weightInputs.contains(name)
                    || (slots && name.equals(DecoderGraph.CACHE_LENGTH))
                    || (samples && SamplingTail.INPUTS.contains(name));
            if (!known) {
                throw bad(file, name, "an input r1j does not know how to feed (it feeds input_ids, attention_mask, "
                        + "position_ids and past_key_values.{i}.key/.value)");
            }
        }
        if (!outputs.containsKey("logits")) {
            throw bad(file, "logits", "missing output");
        }
        TensorInfo logits = checkType(file, "logits", outputs.get("logits"), OnnxJavaType.FLOAT);
        int kvHeads = size(file, "past_key_values.0.key", "kv_heads", keyShape[1], config, "num_key_value_heads");
        int headDim = keyShape[3] > 0 ? (int) keyShape[3] : configHeadDim(file, config);
        long[] logitsShape = logits.getShape();
        boolean lastOnly = logitsShape.length == 2;
        int vocab = logitsShape[logitsShape.length - 1] > 0 ? (int) logitsShape[logitsShape.length - 1]
                : size(file, "logits", "vocab_size", -1, config, "vocab_size");
        return new OrtDecoder(file, env, session, layers, kvHeads, headDim, vocab, lastOnly, samples, slots);
    }

    private static TensorInfo checkType(Path file, String name, NodeInfo info, OnnxJavaType expected) {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw bad(file, name, "must be a tensor, is " + info.getInfo());
        }
        if (t.type != expected) {
            throw bad(file, name, "has element type " + t.type + ", r1j needs " + expected
                    + (expected == OnnxJavaType.FLOAT ? " (export in float32)" : ""));
        }
        return t;
    }

    private static int size(Path file, String input, String what, long fromGraph, JsonNode config, String field) {
        if (fromGraph > 0) {
            return (int) fromGraph;
        }
        if (config != null && config.path(field).canConvertToInt() && config.path(field).asInt() > 0) {
            return config.path(field).asInt();
        }
        if (field.equals("num_key_value_heads") && config != null && config.path("num_attention_heads").asInt() > 0) {
            return config.path("num_attention_heads").asInt();
        }
        throw bad(file, input, "its " + what + " is symbolic and config.json beside it has no " + field);
    }

    private static int configHeadDim(Path file, JsonNode config) {
        if (config != null && config.path("head_dim").asInt() > 0) {
            return config.path("head_dim").asInt();
        }
        if (config != null && config.path("hidden_size").asInt() > 0 && config.path("num_attention_heads").asInt() > 0) {
            // The family's default where it has one of its own (qwen3: 128), else hidden / heads.
            int hidden = config.path("hidden_size").asInt();
            int heads = config.path("num_attention_heads").asInt();
            return ModelFamily.fromModelType(config.path("model_type").asText())
                    .map(f -> f.defaultHeadDim(hidden, heads)).orElse(hidden / heads);
        }
        throw bad(file, "past_key_values.0.key", "its head_dim is symbolic and config.json beside it has neither "
                + "head_dim nor hidden_size and num_attention_heads");
    }

    private static BadInputException bad(Path file, String field, String problem) {
        return BadInputException.at(file, 0, field, problem);
    }

    public int layers() {
        return layers;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int vocabSize() {
        return vocab;
    }

    public Path file() {
        return file;
    }

    public OrtSession session() {
        return session;
    }

    /**
     * The key/value cache of one batch. For Optimum's graphs, the session's {@code present.*} tensors
     * of the last step (held with the result that owns them), or tensors of our own after rows were
     * dropped. For the rollout graph, slots of our own, [B, Hkv, capacity, D] per layer in direct
     * buffers that the session reads in place: a step writes only its new positions into them.
     */
    public final class Cache implements AutoCloseable {
        /** Slots added beyond what a step needs when the slot cache grows: bounds both the copies and the unused slots attended over. */
        static final int SLOT_CHUNK = 32;

        private int batch;
        private int length;
        /** The most positions this batch will hold (a bound on slot growth), or 0 when unknown. */
        private final int maxLength;
        private OnnxTensor[] keys = new OnnxTensor[layers];   // [B, Hkv, length or slots, D]
        private OnnxTensor[] values = new OnnxTensor[layers]; // [B, Hkv, length or slots, D]
        /** The slot cache's buffers (null for Optimum's graphs) and how many positions each row has room for. */
        private FloatBuffer[] keySlots;
        private FloatBuffer[] valueSlots;
        private int slotCount;
        /** Our own tensors; and the last step's result (its outputs: Optimum's cache, the picks). */
        private final List<AutoCloseable> owned = new ArrayList<>();
        private OrtSession.Result last;

        private Cache(int batch, int maxLength) throws OrtException {
            this.batch = batch;
            this.maxLength = maxLength;
            if (slots) {
                keySlots = new FloatBuffer[layers];
                valueSlots = new FloatBuffer[layers];
                resizeSlots(batch, null, 0);
                return;
            }
            long[] shape = {batch, kvHeads, 0, headDim};
            for (int i = 0; i < layers; i++) {
                keys[i] = own(OnnxTensor.createTensor(env, directFloats(0), shape));
                values[i] = own(OnnxTensor.createTensor(env, directFloats(0), shape));
            }
        }

        private OnnxTensor own(OnnxTensor t) {
            owned.add(t);
            return t;
        }

        public int length() {
            return length;
        }

        public int batchSize() {
            return batch;
        }

        /** Keeps only rows {@code rows} of the cache, in the order given. */
        public void retainRows(long[] rows) {
            try {
                if (slots) {
                    resizeSlots(rows.length, rows, slotCount);
                    batch = rows.length;
                    return;
                }
                List<AutoCloseable> next = new ArrayList<>();
                OnnxTensor[] k = new OnnxTensor[layers];
                OnnxTensor[] v = new OnnxTensor[layers];
                for (int i = 0; i < layers; i++) {
                    k[i] = select(keys[i], rows);
                    next.add(k[i]);
                    v[i] = select(values[i], rows);
                    next.add(v[i]);
                }
                release();
                owned.addAll(next);
                keys = k;
                values = v;
                batch = rows.length;
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
            }
        }

        private OnnxTensor select(OnnxTensor t, long[] rows) throws OrtException {
            int rowSize = kvHeads * length * headDim;
            FloatBuffer src = t.getFloatBuffer();                                  // [B, Hkv, L, D]
            FloatBuffer dst = directFloats(rows.length * rowSize);
            for (long r : rows) {
                dst.put(src.slice((int) r * rowSize, rowSize));
            }
            dst.rewind();
            return OnnxTensor.createTensor(env, dst, new long[] {rows.length, kvHeads, length, headDim});
        }

        /**
         * New slot buffers of {@code newBatch} rows x {@code newSlots} positions holding the filled
         * positions of rows {@code rows} (all rows in order when null), and tensors over them.
         */
        private void resizeSlots(int newBatch, long[] rows, int newSlots) throws OrtException {
            long[] shape = {newBatch, kvHeads, newSlots, headDim};
            List<AutoCloseable> next = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                FloatBuffer k = directFloats(newBatch * kvHeads * newSlots * headDim);
                FloatBuffer v = directFloats(newBatch * kvHeads * newSlots * headDim);
                if (keySlots[i] != null) {
                    for (int r = 0; r < newBatch; r++) {
                        int from = rows == null ? r : (int) rows[r];
                        for (int head = 0; head < kvHeads; head++) {
                            int src = (from * kvHeads + head) * slotCount * headDim;
                            int dst = (r * kvHeads + head) * newSlots * headDim;
                            k.put(dst, keySlots[i], src, length * headDim);
                            v.put(dst, valueSlots[i], src, length * headDim);
                        }
                    }
                }
                keySlots[i] = k;
                valueSlots[i] = v;
                keys[i] = OnnxTensor.createTensor(env, k, shape);
                values[i] = OnnxTensor.createTensor(env, v, shape);
                next.add(keys[i]);
                next.add(values[i]);
            }
            release();
            owned.addAll(next);
            slotCount = newSlots;
        }

        /** Room for {@code t} more positions, with {@link #SLOT_CHUNK} to spare (up to the batch's bound). */
        private void reserveSlots(int t) throws OrtException {
            int needed = length + t;
            if (needed > slotCount) {
                int grown = needed + SLOT_CHUNK;
                resizeSlots(batch, null, maxLength > 0 ? Math.max(needed, Math.min(grown, maxLength)) : grown);
            }
        }

        /** Writes the step's new keys and values, [B, Hkv, T, D] per layer, into slots length..length+t-1. */
        private void writeSlots(OrtSession.Result result, int t) throws OrtException {
            for (int i = 0; i < layers; i++) {
                write(keySlots[i], (OnnxTensor) result.get(presentKeys[i]).orElseThrow(), t);
                write(valueSlots[i], (OnnxTensor) result.get(presentValues[i]).orElseThrow(), t);
            }
        }

        private void write(FloatBuffer slotsOfLayer, OnnxTensor fresh, int t) throws OrtException {
            FloatBuffer src = fresh.getFloatBuffer();                              // [B, Hkv, T, D]
            int block = t * headDim;
            for (int row = 0; row < batch * kvHeads; row++) {                      // (b, head) pairs
                slotsOfLayer.put((row * slotCount + length) * headDim, src, row * block, block);
            }
        }

        private void release() {
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // native memory of a finished step; nothing to recover
                }
            }
            owned.clear();
        }

        private void releaseLast() {
            if (last != null) {
                last.close();
                last = null;
            }
        }

        @Override
        public void close() {
            releaseLast();
            release();
        }
    }

    /** An empty cache for {@code batch} rows. */
    public Cache newCache(int batch) {
        return newCache(batch, 0);
    }

    /** An empty cache for {@code batch} rows that will hold at most {@code maxLength} positions (0: unknown). */
    public Cache newCache(int batch, int maxLength) {
        try {
            return new Cache(batch, maxLength);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@link #forwardAndSample} works: the graph ends in r1j's sampling nodes, which draw with
     * top-k, top-p and min-p as well as without.
     */
    public boolean samplesOnEngine() {
        return samples;
    }

    /**
     * Runs {@code t} new positions for every row of {@code cache}'s batch and extends the cache.
     *
     * @param ids       [B, T] token ids
     * @param positions [B, T] positions of the new tokens in their own sequences
     * @param keep      [B, S] 1 for real tokens, 0 for padding, over cached and new positions
     * @param lastOnly  return only each row's last position ([B, V]) instead of all ([B, T, V])
     */
    public float[] forward(int[] ids, int t, long[] positions, float[] keep, Cache cache, boolean lastOnly) {
        int b = cache.batch;
        int projected = lastPositionLogits ? 1 : t;                               // positions with logits
        FloatBuffer logitsBuf = directFloats(b * projected * vocab);               // [B, T, V] or [B, V]
        List<OnnxTensor> temporaries = new ArrayList<>();
        try {
            Map<String, OnnxTensor> tail = new HashMap<>();
            if (samples) {
                // The sampling nodes run whatever is fetched; they get every row to read and a greedy pick.
                tail = tailInputs(everyRow(b), new double[b], GREEDY, temporaries);
            }
            OnnxTensor logits = track(temporaries, OnnxTensor.createTensor(env, logitsBuf,
                    lastPositionLogits ? new long[] {b, vocab} : new long[] {b, t, vocab}));
            run(ids, t, positions, keep, cache, tail, Set.of(), Map.of("logits", logits), temporaries);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        } finally {
            temporaries.forEach(OnnxTensor::close);
        }
        if (lastPositionLogits) {
            if (!lastOnly && t > 1) {
                throw new IllegalStateException("this graph returns the last position's logits only");
            }
            float[] out = new float[b * vocab];                                    // [B, V]
            logitsBuf.get(0, out);
            return out;
        }
        if (!lastOnly || t == 1) {
            float[] out = new float[b * t * vocab];
            logitsBuf.get(0, out);
            return out;
        }
        float[] out = new float[b * vocab];                                        // [B, V]
        for (int r = 0; r < b; r++) {
            logitsBuf.get(((r * t) + t - 1) * vocab, out, r * vocab, vocab);
        }
        return out;
    }

    /**
     * {@link #forward}, then one pick per entry of {@code rows} made by the graph ({@link SamplingTail}),
     * truncated or not: only the ids and log-probs leave ONNX Runtime.
     *
     * @param rows     [N] which row of the step's last-position logits each pick reads
     * @param uniforms [N] one number in [0, 1) per pick (ignored when greedy)
     * @param params   the pick's temperature (0 for greedy), top-k, top-p and min-p
     */
    public SampledTokens forwardAndSample(int[] ids, int t, long[] positions, float[] keep, Cache cache,
                                          long[] rows, double[] uniforms, SamplingParams params) {
        if (!samples) {
            throw new IllegalStateException(file + " has no sampling nodes; sample from forward's logits");
        }
        if (rows.length != uniforms.length) {
            throw new IllegalArgumentException("one uniform per pick: " + rows.length + " rows, " + uniforms.length + " uniforms");
        }
        List<OnnxTensor> temporaries = new ArrayList<>();
        try {
            Map<String, OnnxTensor> tail = tailInputs(rows, uniforms, params, temporaries);
            OrtSession.Result result = run(ids, t, positions, keep, cache, tail,
                    Set.of(SamplingTail.TOKENS, SamplingTail.LOG_PROBS), Map.of(), temporaries);
            long[] chosen = (long[]) result.get(SamplingTail.TOKENS).orElseThrow().getValue();              // [N]
            float[] logProbs = (float[]) result.get(SamplingTail.LOG_PROBS).orElseThrow().getValue();       // [N]
            int[] tokens = new int[chosen.length];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (int) chosen[i];
            }
            return new SampledTokens(tokens, logProbs);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        } finally {
            temporaries.forEach(OnnxTensor::close);
        }
    }

    /** 0, 1, ..., n - 1: each pick reads its own row. */
    private static long[] everyRow(int n) {
        long[] rows = new long[n];
        for (int r = 0; r < n; r++) {
            rows[r] = r;
        }
        return rows;
    }

    /** What {@link #forward} feeds the sampling nodes: a greedy pick, which never truncates. */
    private static final SamplingParams GREEDY = SamplingParams.greedy(1);

    /** The sampling nodes' inputs: the rows and uniforms of the picks, and {@code params}' rule. */
    private Map<String, OnnxTensor> tailInputs(long[] rows, double[] uniforms, SamplingParams params,
                                               List<OnnxTensor> temporaries) throws OrtException {
        LongBuffer rowBuf = directLongs(rows.length).put(rows);
        rowBuf.rewind();
        Map<String, OnnxTensor> in = new HashMap<>();
        long[] one = {1};
        in.put(SamplingTail.ROWS, track(temporaries, OnnxTensor.createTensor(env, rowBuf, new long[] {rows.length})));
        in.put(SamplingTail.UNIFORMS, track(temporaries, OnnxTensor.createTensor(env, directDoubles(uniforms), new long[] {uniforms.length})));
        in.put(SamplingTail.TEMPERATURE, track(temporaries, OnnxTensor.createTensor(env,
                directFloats(1).put(0, (float) params.temperature()), one)));
        in.put(SamplingTail.TOP_K, track(temporaries, OnnxTensor.createTensor(env, directLongs(1).put(0, params.topK()), one)));
        in.put(SamplingTail.TOP_P, track(temporaries, OnnxTensor.createTensor(env, directDoubles(params.topP()), one)));
        in.put(SamplingTail.MIN_P, track(temporaries, OnnxTensor.createTensor(env, directDoubles(params.minP()), one)));
        return in;
    }

    /**
     * One run of the session over {@code t} new positions: feeds the ids, positions, mask, cache and
     * weights (and {@code extra}), fetches the new cache and {@code fetched}, and moves the cache on.
     * The result stays open, owned by the cache (it holds the cache's tensors).
     */
    private OrtSession.Result run(int[] ids, int t, long[] positions, float[] keep, Cache cache, Map<String, OnnxTensor> extra,
                                  Set<String> fetched, Map<String, OnnxValue> pinned, List<OnnxTensor> temporaries)
            throws OrtException {
        int b = cache.batch;
        int s = cache.length + t;
        if (ids.length != b * t || positions.length != b * t || keep.length != b * s) {
            throw new IllegalArgumentException("expected " + (b * t) + " ids and positions and " + (b * s)
                    + " mask values, got " + ids.length + ", " + positions.length + " and " + keep.length);
        }
        if (slots) {
            cache.reserveSlots(t);
        }
        // The mask covers the cached positions (for the slot cache: all slots, 0 beyond the filled
        // ones), then the new ones.
        int past = slots ? cache.slotCount : cache.length;
        LongBuffer idBuf = directLongs(b * t);
        LongBuffer posBuf = directLongs(b * t);
        LongBuffer maskBuf = directLongs(b * (past + t));
        for (int i = 0; i < b * t; i++) {
            idBuf.put(i, ids[i]);
            posBuf.put(i, positions[i]);
        }
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < cache.length; j++) {
                maskBuf.put(r * (past + t) + j, keep[r * s + j] != 0f ? 1 : 0);
            }
            for (int j = 0; j < t; j++) {
                maskBuf.put(r * (past + t) + past + j, keep[r * s + cache.length + j] != 0f ? 1 : 0);
            }
        }
        Map<String, OnnxTensor> in = new HashMap<>(extra);
        in.put("input_ids", track(temporaries, OnnxTensor.createTensor(env, idBuf, new long[] {b, t})));
        in.put("position_ids", track(temporaries, OnnxTensor.createTensor(env, posBuf, new long[] {b, t})));
        in.put("attention_mask", track(temporaries, OnnxTensor.createTensor(env, maskBuf, new long[] {b, past + t})));
        if (slots) {
            LongBuffer filled = directLongs(1).put(0, cache.length);
            in.put(DecoderGraph.CACHE_LENGTH, track(temporaries, OnnxTensor.createTensor(env, filled, new long[] {1})));
        }
        for (int i = 0; i < layers; i++) {
            in.put(pastKeys[i], cache.keys[i]);
            in.put(pastValues[i], cache.values[i]);
        }
        in.putAll(weightInputs);
        Set<String> wanted = presentNames;
        if (!fetched.isEmpty()) {
            wanted = new java.util.LinkedHashSet<>(presentNames);
            wanted.addAll(fetched);
        }
        OrtSession.Result result = session.run(in, wanted, pinned);
        cache.releaseLast();
        cache.last = result;
        if (slots) {
            cache.writeSlots(result, t);
        } else {
            OnnxTensor[] k = new OnnxTensor[layers];
            OnnxTensor[] v = new OnnxTensor[layers];
            for (int i = 0; i < layers; i++) {
                k[i] = (OnnxTensor) result.get(presentKeys[i]).orElseThrow();
                v[i] = (OnnxTensor) result.get(presentValues[i]).orElseThrow();
            }
            cache.release(); // tensors of ours from a row selection; the last result's are closed with it
            cache.keys = k;
            cache.values = v;
        }
        cache.length = s;
        return result;
    }

    private static OnnxTensor track(List<OnnxTensor> list, OnnxTensor t) {
        list.add(t);
        return t;
    }

    /** This decoder as a {@link DecodingLoop.Backend}, for the shared decoding loop. */
    public DecodingLoop.Backend backend() {
        return new DecodingLoop.Backend() {
            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public DecodingLoop.Batch open(int batchSize, int capacity) {
                Cache cache = newCache(batchSize, capacity);
                return new DecodingLoop.Batch() {
                    @Override
                    public float[] forward(int[] ids, int t, long[] positions, float[] keep) {
                        return OrtDecoder.this.forward(ids, t, positions, keep, cache, true);
                    }

                    @Override
                    public boolean samplesOnEngine() {
                        return samples;
                    }

                    @Override
                    public boolean truncatesOnEngine() {
                        return samples;
                    }

                    @Override
                    public SampledTokens forwardAndSample(int[] ids, int t, long[] positions, float[] keep, long[] rows,
                                                          double[] uniforms, SamplingParams params) {
                        long[] picked = rows != null ? rows : everyRow(cache.batchSize());
                        return OrtDecoder.this.forwardAndSample(ids, t, positions, keep, cache, picked, uniforms, params);
                    }

                    @Override
                    public void retainRows(long[] rows) {
                        cache.retainRows(rows);
                    }

                    @Override
                    public void close() {
                        cache.close();
                    }
                };
            }
        };
    }

    static FloatBuffer directFloats(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static LongBuffer directLongs(int n) {
        return ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    /** {@code values} in a direct buffer. */
    static DoubleBuffer directDoubles(double... values) {
        return ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer().put(0, values);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session of " + file, e);
        }
    }
}
