package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.model.internal.HostWeights;
import dev.r1j.rl.model.internal.RotaryTables;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Llama/Qwen2-family decoder-only language model on DJL's PyTorch engine: token embedding, N blocks
 * of (RMSNorm, grouped-query attention with rotary positions, residual, RMSNorm, SwiGLU MLP, residual),
 * a final RMSNorm and the output head. The math is Hugging Face's for these families, so their
 * checkpoints load unchanged.
 *
 * <p>Shapes in comments: B batch, T new positions, S attended positions (cached + new), H hidden size,
 * Hq query heads, Hkv key/value heads, G = Hq / Hkv, D head size, I intermediate size, V vocabulary.
 *
 * <p>Thread-safety: the weights are shared and read-only during forward passes, so several threads may
 * run forward passes at once; training (which writes the weights) must not overlap with them.
 */
public final class CausalLm implements AutoCloseable {

    /** Added to attention scores of positions a query must not see; large but finite, so no NaN. */
    private static final float MASKED = -1e9f;

    private final TransformerConfig config;
    private final NDManager manager;
    private final DecoderWeights weights;
    private final RotaryTables rotary;

    private final Optional<Path> origin;

    private CausalLm(TransformerConfig config, NDManager manager, DecoderWeights weights) {
        this(config, manager, weights, Optional.empty());
    }

    private CausalLm(TransformerConfig config, NDManager manager, DecoderWeights weights, Optional<Path> origin) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.rotary = new RotaryTables(config.headDim(), config.ropeTheta());
        this.origin = origin;
    }

    /** A model with fresh random weights (normal(0, 0.02) matrices), deterministic for {@code seed}. */
    public static CausalLm randomInit(TransformerConfig config, long seed) {
        NDManager m = NDManager.newBaseManager();
        return new CausalLm(config, m, DecoderWeights.random(config, m, seed));
    }

    /**
     * A model whose weights come from Hugging Face-named tensors; shapes are checked against the config.
     * {@code source} names the checkpoint in error messages.
     */
    public static CausalLm fromWeights(TransformerConfig config, HostWeights tensors, Object source) {
        NDManager m = NDManager.newBaseManager();
        boolean grad = Engines.gradMode(false);
        try {
            return new CausalLm(config, m, DecoderWeights.fromHf(config, m, tensors, source), tensors.directory());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            Engines.gradMode(grad);
        }
    }

    /**
     * Replaces this model's weights, in place, with Hugging Face-named tensors (shapes checked against
     * the config): how a run resumes from a checkpoint into the model it was given. Tensors are copied
     * one at a time, from a memory-mapped file straight into the engine when {@code tensors} is a
     * checkpoint's; no second copy of the model is made.
     */
    public void loadWeights(HostWeights tensors, Object source) {
        boolean grad = Engines.gradMode(false);
        try {
            weights.loadFrom(tensors, source);
        } finally {
            Engines.gradMode(grad);
        }
    }

    /**
     * An independent model holding this one's current weights, e.g. the frozen reference policy a KL
     * penalty compares against; the engine copies the arrays (nothing passes through the Java heap).
     * Closing either leaves the other intact.
     */
    public CausalLm copy() {
        NDManager m = NDManager.newBaseManager();
        boolean grad = Engines.gradMode(false);
        try {
            return new CausalLm(config, m, weights.duplicate(m), origin);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        } finally {
            Engines.gradMode(grad);
        }
    }

    /**
     * The model directory this model's weights were loaded from, when they were: where a rewritten
     * checkpoint finds the source's tokenizer and generation files and its stored dtype.
     */
    public Optional<Path> origin() {
        return origin;
    }

    public TransformerConfig config() {
        return config;
    }

    /** The manager that owns the weights. Temporary arrays should live in a sub-manager or scope. */
    public NDManager manager() {
        return manager;
    }

    /** The trainable parameters in a stable order. */
    public List<NDArray> parameters() {
        return weights.all();
    }

    /**
     * The weights under Hugging Face tensor names ([out, in] matrices), all copied to the heap at once.
     *
     * @deprecated holds the whole model on the Java heap; stream from {@link #hfWeights()} instead
     *             (kept for tests that compare small models value by value)
     */
    @Deprecated
    public Map<String, float[]> hfTensors() {
        return weights.toHf();
    }

    /**
     * A live view of the weights under Hugging Face tensor names and shapes ([out, in] matrices), read
     * from the engine one tensor or one chunk at a time when asked: what checkpoint writers and
     * exporters stream from. Valid while this model is open; it sees later training updates.
     */
    public HostWeights hfWeights() {
        return weights.hfView();
    }

    /** Whether every weight is a finite number (no NaN or infinity), checked by the engine. */
    public boolean weightsFinite() {
        boolean grad = Engines.gradMode(false);
        try {
            for (NDArray p : weights.all()) {
                try (NDScope scope = new NDScope()) { // the tests' results would otherwise stay in the model's manager
                    if (p.isNaN().logicalOr(p.isInfinite()).any().getBoolean()) {
                        return false;
                    }
                }
            }
            return true;
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** The Hugging Face tensor names and shapes this model's config implies. */
    public Map<String, long[]> hfShapes() {
        return DecoderWeights.hfShapes(config);
    }

    /** An empty cache for {@code batchSize} sequences of up to {@code capacity} positions, owned by {@code m}. */
    public KvCache newCache(NDManager m, int batchSize, int capacity) {
        if (capacity > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("cache capacity " + capacity + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        return new KvCache(m, config, batchSize, capacity);
    }

    /**
     * Runs the decoder over {@code T} new positions per row.
     *
     * @param inputIds      [B, T] token ids (int32 or int64)
     * @param positionIds   [B, T] the position of each new token in its own sequence (left padding makes
     *                      these differ by row); rotary angles depend only on these
     * @param attentionMask [B, S] 1 for real tokens and 0 for padding, over cached and new positions
     *                      (S = cache length + T; without a cache S = T); a query at new index t sees key s
     *                      when {@code s <= cacheLength + t} and the key is not padding
     * @param cache         keys and values of earlier positions, extended in place; null for none
     * @return logits [B, T, V], owned by the manager of {@code inputIds}
     */
    public NDArray forward(NDArray inputIds, long[] positionIds, float[] attentionMask, KvCache cache) {
        Shape idsShape = inputIds.getShape();
        int b = (int) idsShape.get(0);
        int t = (int) idsShape.get(1);
        int past = cache == null ? 0 : cache.length();
        int s = past + t;
        if (positionIds.length != b * t) {
            throw new IllegalArgumentException("position ids: expected " + (b * t) + " values, got " + positionIds.length);
        }
        if (attentionMask.length != b * s) {
            throw new IllegalArgumentException("attention mask: expected B*S = " + (b * s) + " values, got "
                    + attentionMask.length);
        }
        NDManager m = inputIds.getManager();
        NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);

        // Rotary tables for these positions, [B, 1, T, D], broadcast over heads.
        int d = config.headDim();
        float[] cos = new float[b * t * d];
        float[] sin = new float[b * t * d];
        rotary.fill(positionIds, cos, sin);
        NDArray cosArr = m.create(cos, new Shape(b, 1, t, d));
        NDArray sinArr = m.create(sin, new Shape(b, 1, t, d));
        NDArray mask = m.create(additiveMask(attentionMask, b, t, past), new Shape(b, 1, 1, t, s)); // [B,1,1,T,S]

        // The residual stream is kept as [B*T, H] so that every projection is one plain 2-D product.
        NDArray x = embed(ids).reshape(b * t, config.hiddenSize()); // [B*T, H]
        for (int layer = 0; layer < weights.blocks.length; layer++) {
            x = block(layer, x, cosArr, sinArr, mask, cache, b, t);
        }
        if (cache != null) {
            cache.advance(t);
        }
        x = rmsNorm(x, weights.finalNorm);                    // [B*T, H]
        NDArray logits;
        if (weights.lmHead != null) {
            logits = x.matMul(weights.lmHead);                 // [B*T, V]
        } else {
            NDArray embeddingT = weights.embedding.transpose(); // tied head: [H, V] view
            embeddingT.attach(m);                              // the view is temporary; the weights are not
            logits = x.matMul(embeddingT);                     // [B*T, V]
        }
        return logits.reshape(b, t, config.vocabSize());      // [B, T, V]
    }

    /** Logits for every position of one sequence, positions 0..T-1, no padding. Returns [T][V]. */
    public float[][] logits(int[] ids) {
        checkTokens(ids, "ids");
        try (NDManager m = manager.newSubManager()) {
            boolean grad = Engines.gradMode(false);
            try {
                long[] pos = new long[ids.length];
                float[] attend = new float[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    pos[i] = i;
                    attend[i] = 1f;
                }
                NDArray logits = forward(m.create(ids, new Shape(1, ids.length)), pos, attend, null);
                float[] flat = logits.toFloatArray();
                int v = config.vocabSize();
                float[][] out = new float[ids.length][v];
                for (int i = 0; i < ids.length; i++) {
                    System.arraycopy(flat, i * v, out[i], 0, v);
                }
                return out;
            } finally {
                Engines.gradMode(grad);
            }
        }
    }

    /**
     * Checks that {@code ids} is a sequence this model can run: not empty, within
     * {@code max_position_embeddings}, every id inside the vocabulary. {@code what} names the sequence
     * in the message.
     *
     * @throws BadInputException naming the first offending id and its index
     */
    public void checkTokens(int[] ids, String what) {
        if (ids.length == 0) {
            throw new BadInputException(what + ": at least one token is needed, got none");
        }
        if (ids.length > config.maxPositionEmbeddings()) {
            throw new BadInputException(what + ": " + ids.length + " tokens exceed the model's max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new BadInputException(what + ": token " + i + " is id " + ids[i]
                        + ", outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
    }

    /**
     * Log-probabilities of {@code targets} under {@code logits}: log softmax over the vocabulary, then
     * the entry of each target.
     *
     * @param logits  [B, T, V]
     * @param targets [B, T] token ids (int64)
     * @return [B, T]
     */
    public static NDArray tokenLogProbs(NDArray logits, NDArray targets) {
        NDArray logp = logits.logSoftmax(-1);                               // [B, T, V]
        NDArray idx = targets.toType(DataType.INT64, false).expandDims(-1); // [B, T, 1]
        return logp.gather(idx, -1).squeeze(-1);                            // [B, T]
    }

    // ---------------------------------------------------------------------------------------------

    private NDArray embed(NDArray ids) {
        NDList out = ids.getNDArrayInternal().embedding(ids, weights.embedding, SparseFormat.DENSE);
        return out.singletonOrThrow(); // [B, T, H]
    }

    private NDArray block(int layer, NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache, int b, int t) {
        DecoderWeights.Block w = weights.blocks[layer];
        int hq = config.numAttentionHeads();
        int hkv = config.numKeyValueHeads();
        int d = config.headDim();
        int g = config.queriesPerKeyValueHead();

        // Attention.
        NDArray h = rmsNorm(x, w.inputNorm);                                  // [B*T, H]
        NDArray qkv = h.matMul(w.qkv);                                        // [B*T, (Hq + 2 Hkv) D]
        if (w.qkvBias != null) {
            qkv = qkv.add(w.qkvBias);
        }
        NDList parts = qkv.split(new long[] {(hq + hkv) * d}, 1);
        // Queries and keys rotate together: one rotary pass over [B, Hq + Hkv, T, D].
        NDArray qk = rotate(parts.get(0).reshape(b, t, hq + hkv, d).transpose(0, 2, 1, 3), cos, sin);
        NDList qAndK = qk.split(new long[] {hq}, 1);
        NDArray q = qAndK.get(0);                                             // [B, Hq, T, D]
        NDArray k = qAndK.get(1);                                             // [B, Hkv, T, D]
        NDArray v = parts.get(1).reshape(b, t, hkv, d).transpose(0, 2, 1, 3); // [B, Hkv, T, D]
        NDArray keysT;                                                        // [B, Hkv, D, S]
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v);
            keysT = kv[0];
            v = kv[1];                                                        // [B, Hkv, S, D]
        } else {
            keysT = k.transpose(0, 1, 3, 2);
        }
        int s = (int) keysT.getShape().get(3);
        // Grouped-query attention without copying keys: the G query heads that share a key/value head
        // are stacked along the position axis, so one batched product serves the whole group.
        NDArray qg = q.reshape(b, hkv, g * t, d).mul(1.0f / (float) Math.sqrt(d)); // [B, Hkv, G*T, D]
        NDArray scores = qg.matMul(keysT)                                     // [B, Hkv, G*T, S]
                .reshape(b, hkv, g, t, s)
                .add(mask);                                                   // + [B, 1, 1, T, S]
        NDArray probs = scores.softmax(-1).reshape(b, hkv, g * t, s);         // [B, Hkv, G*T, S]
        NDArray attended = probs.matMul(v)                                    // [B, Hkv, G*T, D]
                .reshape(b, hq, t, d)
                .transpose(0, 2, 1, 3)
                .reshape(b * t, hq * d);                                      // [B*T, Hq D]
        NDArray out = attended.matMul(w.output);                              // [B*T, H]
        if (w.outputBias != null) {
            out = out.add(w.outputBias);
        }
        x = x.add(out);

        // SwiGLU MLP.
        NDArray h2 = rmsNorm(x, w.postNorm);                                  // [B*T, H]
        NDArray gu = h2.matMul(w.gateUp);                                     // [B*T, 2I]
        if (w.gateUpBias != null) {
            gu = gu.add(w.gateUpBias);
        }
        NDList gateUp = gu.split(2, 1);
        NDArray gate = gateUp.get(0);                                         // [B*T, I]
        NDArray up = gateUp.get(1);                                           // [B*T, I]
        NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up);  // silu(gate) * up
        NDArray mlp = act.matMul(w.down);                                     // [B*T, H]
        if (w.downBias != null) {
            mlp = mlp.add(w.downBias);
        }
        return x.add(mlp);
    }

    /** RMSNorm: x / sqrt(mean(x^2) + eps) * gain, over the last axis. */
    private NDArray rmsNorm(NDArray x, NDArray gain) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt(); // [..., 1]
        return x.div(rms).mul(gain);
    }

    /** Rotary embedding, rotate-half form: x * cos + [-x2, x1] * sin, with x = [x1, x2] split in halves. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * The additive attention mask [B, T, S] (flattened) for T new queries after {@code past} cached
     * positions: 0 where the query may attend, {@link #MASKED} elsewhere.
     */
    static float[] additiveMask(float[] keep, int b, int t, int past) {
        int s = past + t;
        float[] mask = new float[b * t * s];
        for (int row = 0; row < b; row++) {
            for (int q = 0; q < t; q++) {
                int base = (row * t + q) * s;
                int visible = past + q; // last key index this query may see
                for (int key = 0; key < s; key++) {
                    mask[base + key] = key <= visible && keep[row * s + key] != 0f ? 0f : MASKED;
                }
            }
        }
        return mask;
    }

    @Override
    public void close() {
        manager.close();
    }
}
