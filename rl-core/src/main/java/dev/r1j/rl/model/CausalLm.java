package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.training.GradientCollector;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decoder-only language model of the {@link ModelFamily families} r1j implements (qwen2, llama,
 * qwen3, mistral) on DJL's PyTorch engine: token embedding, N blocks of (RMSNorm, grouped-query attention
 * with rotary positions, residual, RMSNorm, SwiGLU MLP, residual), a final RMSNorm and the output head.
 * Per family: optional biases, qwen3's per-head q/k RMSNorm before the rotation, mistral's sliding
 * window in the attention mask; for all, the rotary scaling of {@link RopeScaling}. The math is Hugging
 * Face's for these families, so their checkpoints load unchanged.
 *
 * <p>Shapes in comments: B batch, T new positions, S attended positions (cached + new), H hidden size,
 * Hq query heads, Hkv key/value heads, G = Hq / Hkv, D head size, I intermediate size, V vocabulary.
 *
 * <p>Thread-safety: the weights are shared and read-only during forward passes, so several threads may
 * run forward passes at once; training (which writes the weights) must not overlap with them.
 */
public final class CausalLm implements AutoCloseable {

    static {
        // A model is usually the first thing to touch the engine; the MKL shim must come before it.
        MklShim.applyFromEnvironment();
    }

    /**
     * Default positions per output-head product in training and scoring ({@code logits_chunk}):
     * one chunk's [1024, V] float logits are 0.62 GB at Qwen2.5's V = 151,936.
     */
    public static final int DEFAULT_LOGITS_CHUNK = 1024;

    /** Elements of a weight tested at once by {@link #weightsFinite()}. */
    static final long FINITE_CHECK_SLICE = 1L << 22;

    /** Added to attention scores of positions a query must not see; large but finite, so no NaN. */
    private static final float MASKED = -1e9f;

    private final TransformerConfig config;
    private final NDManager manager;
    private final DecoderWeights weights;
    private final RotaryTables rotary;
    /** Added to the projections' outputs when set (LoRA); null for the plain model. */
    private ProjectionAdapter adapter;
    /** Whether close() frees the adapter: a view made by {@link #frozenReference()} owns its frozen copy. */
    private boolean ownsAdapter;
    /** A view made by {@link #withAdapter}: it shares another model's weights and must not free them. */
    private boolean sharesWeights;

    private final Optional<Path> origin;

    private CausalLm(TransformerConfig config, NDManager manager, DecoderWeights weights) {
        this(config, manager, weights, Optional.empty());
    }

    private CausalLm(TransformerConfig config, NDManager manager, DecoderWeights weights, Optional<Path> origin) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.rotary = new RotaryTables(config);
        this.origin = origin;
    }

    /** A view on {@code base}'s weights with {@code adapter} (null for none) in place of base's adapter. */
    private CausalLm(CausalLm base, ProjectionAdapter adapter, boolean ownsAdapter) {
        this(base.config, base.manager, base.weights, base.origin);
        this.adapter = adapter;
        this.ownsAdapter = ownsAdapter;
        this.sharesWeights = true;
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
        return copy(Precision.FP32);
    }

    /**
     * As {@link #copy()}, with the copy's matrices stored in {@code precision} (see
     * {@link #storeFrozenWeights}), converted array by array: a frozen copy that never exists in
     * float32 as a whole. {@link Precision#FP32} keeps the arrays' types as they are.
     */
    public CausalLm copy(Precision precision) {
        checkStorable(precision);
        NDManager m = NDManager.newBaseManager();
        boolean grad = Engines.gradMode(false);
        try {
            return new CausalLm(config, m, weights.duplicate(m, precision == Precision.FP32 ? null : precision.storage()),
                    origin);
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
     * The parameters training updates: the adapter's when one is attached (the base weights are then
     * frozen: they get no gradient and no optimiser moments), else every weight.
     */
    public List<NDArray> trainableParameters() {
        return adapter != null ? adapter.parameters() : parameters();
    }

    /**
     * Adds {@code adapter} to every forward pass from now on (null removes it). The model does not take
     * ownership: the adapter's arrays should live in a sub-manager of {@link #manager()}, or be closed by
     * the caller.
     */
    public void attachAdapter(ProjectionAdapter adapter) {
        this.adapter = adapter;
    }

    /** The adapter added to the projections, if any. */
    public Optional<ProjectionAdapter> adapter() {
        return Optional.ofNullable(adapter);
    }

    /**
     * A model that shares this one's base weights (no copy) and runs with {@code other} in place of
     * this model's adapter; {@code withAdapter(null)} is the base with adapters off. Closing the view
     * frees nothing of this model's; it must not be used after this model is closed.
     */
    public CausalLm withAdapter(ProjectionAdapter other) {
        return new CausalLm(this, other, false);
    }

    /**
     * A frozen model equal to this one now, e.g. GRPO's reference policy. Without an adapter, an
     * independent copy of the weights; with one, a view on the shared frozen base: with no adapter
     * when the adapter adds nothing yet (a fresh one), else with a frozen copy of it.
     */
    public CausalLm frozenReference() {
        return frozenReference(Precision.FP32);
    }

    /**
     * As {@link #frozenReference()}, with an independent copy's matrices stored in {@code precision};
     * a view on the shared base keeps the base as it is (convert the base itself with
     * {@link #storeFrozenWeights}).
     */
    public CausalLm frozenReference(Precision precision) {
        if (adapter == null) {
            return copy(precision);
        }
        if (adapter.isZero()) {
            return withAdapter(null);
        }
        return new CausalLm(this, adapter.frozenCopy(manager.newSubManager()), true);
    }

    /**
     * Stores this model's base matrices (the projections, the token embedding and an untied output
     * head) in {@code precision}, in place and one array at a time; the forward pass casts each one to
     * float32 right before its product. Only for weights nobody trains: the base under a LoRA adapter
     * (the adapter stays float32), a reference, a teacher. Views made by {@link #withAdapter} share the
     * converted base. {@link Precision#FP32} leaves the weights as they are.
     *
     * @throws IllegalArgumentException for a precision the engine cannot hold ({@link Precision#unsupportedReason})
     */
    public void storeFrozenWeights(Precision precision) {
        checkStorable(precision);
        if (precision == Precision.FP32) {
            return;
        }
        boolean grad = Engines.gradMode(false);
        try {
            weights.storeMatrices(precision.storage());
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** The type the base's matrices are stored in: float32 unless {@link #storeFrozenWeights} changed it. */
    public Precision storedPrecision() {
        return weights.embedding.getDataType() == DataType.FLOAT16 ? Precision.F16 : Precision.FP32;
    }

    private static void checkStorable(Precision precision) {
        precision.unsupportedReason().ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
    }

    /**
     * Folds the attached adapter into the base weights ({@code W + delta} for every targeted
     * projection) and detaches it: the plain model then computes what the adapted one did.
     */
    public void mergeAdapter() {
        if (adapter == null) {
            return;
        }
        boolean grad = Engines.gradMode(false);
        try (NDManager tmp = manager.newSubManager()) {
            for (int layer = 0; layer < weights.blocks.length; layer++) {
                DecoderWeights.Block w = weights.blocks[layer];
                NDArray[] fused = {w.qkv, w.output, w.gateUp, w.down};
                for (ProjectionAdapter.Projection p : ProjectionAdapter.Projection.values()) {
                    NDArray delta = adapter.weightDelta(layer, p, tmp); // [in, out]
                    if (delta != null) {
                        fused[p.ordinal()].addi(delta);
                    }
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        adapter = null;
    }

    /**
     * As {@link #hfWeights()}, with the attached adapter folded in: each targeted projection reads as
     * {@code W + (alpha / r) B A}, computed on the engine one tensor at a time when asked and never
     * stored, so a plain decoder given these weights computes what this model (base plus adapter)
     * computes. Without an adapter it is {@link #hfWeights()}. Valid while this model is open; it sees
     * later training updates of the adapter.
     */
    public HostWeights mergedHfWeights() {
        return adapter == null ? weights.hfView() : weights.hfView(adapter);
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

    /**
     * Whether every weight is a finite number (no NaN or infinity), checked by the engine a slice of
     * at most {@value #FINITE_CHECK_SLICE} elements at a time: the test's boolean temporaries of a
     * whole 151,936 x 896 embedding would be three arrays of 136 MB each, at the moment a checkpoint is
     * written.
     */
    public boolean weightsFinite() {
        boolean grad = Engines.gradMode(false);
        try {
            for (NDArray p : weights.all()) {
                long n = p.size();
                for (long start = 0; start < n; start += FINITE_CHECK_SLICE) {
                    try (NDScope scope = new NDScope()) { // the tests' results would otherwise stay in the model's manager
                        NDArray slice = p.reshape(n).get(start + ":" + Math.min(n, start + FINITE_CHECK_SLICE));
                        if (slice.isNaN().logicalOr(slice.isInfinite()).any().getBoolean()) {
                            return false;
                        }
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
        int b = (int) inputIds.getShape().get(0);
        int t = (int) inputIds.getShape().get(1);
        return head(hidden(inputIds, positionIds, attentionMask, cache)).reshape(b, t, config.vocabSize()); // [B, T, V]
    }

    /**
     * The decoder without its output head: the final-normed hidden states of every new position, the
     * input of {@link #head}. Training and prefill use it so that only the positions that need logits
     * pay for the [*, V] product. The arguments are those of {@link #forward}.
     *
     * @return [B*T, H] (row {@code b * T + t} is position t of row b), owned by the manager of {@code inputIds}
     */
    public NDArray hidden(NDArray inputIds, long[] positionIds, float[] attentionMask, KvCache cache) {
        DecoderInputs in = decoderInputs(inputIds, positionIds, attentionMask, cache);
        // The residual stream is kept as [B*T, H] so that every projection is one plain 2-D product.
        NDArray x = embed(in.ids).reshape(in.b * in.t, config.hiddenSize()); // [B*T, H]
        boolean recording = Engines.isGradMode();
        NDManager outer = inputIds.getManager();
        for (int layer = 0; layer < weights.blocks.length; layer++) {
            if (recording) {
                x = block(layer, x, in.cos, in.sin, in.mask, cache, in.b, in.t);
                continue;
            }
            // Without a recorded graph nothing needs a block's temporaries after it: they are freed layer
            // by layer instead of with the caller's manager (a 4 x 150 prefill of a 0.5 B model held
            // 2.5 GB of them until it ended). A block's temporaries go to the manager of its input.
            try (NDManager layerScope = outer.newSubManager()) {
                x.attach(layerScope);
                NDArray y = block(layer, x, in.cos, in.sin, in.mask, cache, in.b, in.t);
                y.attach(outer);
                x = y;
            }
        }
        if (cache != null) {
            cache.advance(in.t);
        }
        return rmsNorm(x, weights.finalNorm);                 // [B*T, H]
    }

    /**
     * What every decoder block of one pass reads besides the residual stream: the ids as int64, the
     * rotary tables and the additive attention mask, all owned by the manager of the input ids.
     *
     * @param ids  [B, T] int64
     * @param cos  [B, 1, T, D]
     * @param sin  [B, 1, T, D]
     * @param mask [B, 1, 1, T, S]
     */
    private record DecoderInputs(NDArray ids, NDArray cos, NDArray sin, NDArray mask, int b, int t) {}

    private DecoderInputs decoderInputs(NDArray inputIds, long[] positionIds, float[] attentionMask, KvCache cache) {
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
        NDArray cosArr = Engines.owned(m.create(cos, new Shape(b, 1, t, d)));
        NDArray sinArr = Engines.owned(m.create(sin, new Shape(b, 1, t, d)));
        NDArray mask = Engines.owned(m.create(additiveMask(attentionMask, b, t, past, config.slidingWindow()),
                new Shape(b, 1, 1, t, s)));                                                            // [B,1,1,T,S]
        return new DecoderInputs(ids, cosArr, sinArr, mask, b, t);
    }

    /**
     * The output head over rows of final-normed hidden states.
     *
     * @param hidden [N, H] rows of {@link #hidden}
     * @return logits [N, V], owned by the manager of {@code hidden}
     */
    public NDArray head(NDArray hidden) {
        NDManager step = hidden.getManager();
        if (weights.lmHead != null) {
            return hidden.matMul(DecoderWeights.forCompute(weights.lmHead, step)); // [N, V]
        }
        NDArray embeddingT = DecoderWeights.forCompute(weights.embedding, step).transpose(); // tied head: [H, V] view
        embeddingT.attach(step);                               // the view is temporary; the weights are not
        return hidden.matMul(embeddingT);                      // [N, V]
    }

    /**
     * Log-probabilities of {@code targets} and the entropy of the next-token distribution at each row
     * of {@code hidden}, with the output head run over {@code chunk} rows at a time: each chunk's
     * [chunk, V] logits are freed before the next, so without gradient recording (reference and
     * sampling-policy log-probs) the head costs O(chunk x V) memory. With recording on, gradients flow
     * through the results, but autograd keeps what each chunk's backward needs; training goes through
     * {@link #chunkedLoss} instead, which frees it chunk by chunk.
     *
     * @param hidden  [N, H] rows of {@link #hidden}
     * @param targets [N] token ids (int32 or int64)
     * @param chunk   rows per head product, >= 1
     * @return log-probs [N] and entropy [N] (nats), owned by the manager of {@code hidden}
     */
    public TokenScores tokenLogProbs(NDArray hidden, NDArray targets, int chunk) {
        return tokenLogProbs(hidden, targets, chunk, 1.0);
    }

    /**
     * As {@link #tokenLogProbs(NDArray, NDArray, int)}, under {@code softmax(logits / temperature)}: the
     * distribution a sampler at that temperature draws from (before any top-k/top-p truncation), as
     * {@code Completion}'s log-probs are defined. Temperature 1 is the plain distribution, computed
     * exactly as the three-argument form.
     *
     * @param temperature > 0
     */
    public TokenScores tokenLogProbs(NDArray hidden, NDArray targets, int chunk, double temperature) {
        checkChunk(chunk);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, was " + temperature);
        }
        int n = (int) hidden.getShape().get(0);
        NDManager m = hidden.getManager();
        NDList logProbs = new NDList();
        NDList entropy = new NDList();
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            try (NDManager c = m.newSubManager()) {
                NDArray h = hidden.get(new NDIndex("{}:{}", start, end));                   // [C, H]
                h.attach(c);
                NDArray t = targets.get(new NDIndex("{}:{}", start, end));                  // [C]
                t.attach(c);
                NDArray logits = head(h);                                                   // [C, V]
                if (temperature != 1.0) {
                    logits = logits.div(Engines.scalarLike(logits, temperature));
                }
                TokenScores s = TokenScores.of(logits, t);                                  // [C], [C]
                s.logProbs().attach(m);
                s.entropy().attach(m);
                logProbs.add(s.logProbs());
                entropy.add(s.entropy());
            }
        }
        if (n == 0) {
            return new TokenScores(Engines.owned(m.create(new float[0])), Engines.owned(m.create(new float[0])));
        }
        return new TokenScores(NDArrays.concat(logProbs, 0), NDArrays.concat(entropy, 0));
    }

    /**
     * A loss that is a sum over positions, evaluated (and with {@code gc} backpropagated) through the
     * output head {@code chunk} rows at a time, so that at most one chunk's [chunk, V] logits and their
     * autograd state exist at once. With a collector it runs in two phases: each chunk's loss is
     * backpropagated into the head's weights and into a detached copy of its hidden rows, whose
     * gradients are gathered into one [N, H] array; then that gradient is backpropagated through the
     * decoder that made {@code hidden}. The gradients equal those of the loss computed in one piece.
     *
     * @param hidden rows of {@link #hidden} [N, H], recorded by autograd when {@code gc} is given
     * @param chunk  rows per head product, >= 1
     * @param loss   the scalar loss of each chunk, differentiable in its logits
     * @param gc     the open collector to backpropagate with; null only to evaluate (no gradients)
     * @return the sum of the chunks' losses
     */
    public double chunkedLoss(NDArray hidden, int chunk, ChunkLoss loss, GradientCollector gc) {
        checkChunk(chunk);
        int n = (int) hidden.getShape().get(0);
        NDManager m = hidden.getManager();
        NDArray source = gc == null ? hidden : hidden.stopGradient();                      // [N, H]
        NDList hiddenGrads = new NDList();
        double total = 0;
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            try (NDManager c = m.newSubManager()) {
                NDArray h = source.get(new NDIndex("{}:{}", start, end)).duplicate();      // [C, H], a leaf
                h.attach(c);
                if (gc != null) {
                    h.setRequiresGradient(true);
                }
                NDArray value = loss.apply(start, end, head(h));                            // scalar
                total += value.getFloat();
                if (gc != null) {
                    gc.backward(value);
                    NDArray g = h.getGradient().duplicate();                                 // [C, H]
                    g.attach(m);
                    hiddenGrads.add(g);
                }
            }
        }
        if (gc != null && n > 0) {
            NDArray grad = NDArrays.concat(hiddenGrads, 0);                                  // [N, H]
            gc.backward(hidden.mul(grad).sum());                                             // d/d(hidden) = grad
        }
        return total;
    }

    /**
     * The training loss of one batch without a cache: {@link #chunkedLoss} over the rows {@code rows} of
     * {@link #hidden}, backpropagated through the whole model with {@code gc}. With
     * {@code gradientCheckpointing} the decoder blocks first run without recording, keeping only each
     * block's input [B*T, H]; the backward pass then goes from the last block to the first, recomputing
     * each block from its saved input with recording on and backpropagating the gradient that arrived at
     * its output, so autograd holds one block's activations at a time instead of every block's. The
     * loss and the gradients are those of the recorded pass; each block's forward runs twice.
     *
     * @param inputIds              [B, T] token ids
     * @param positionIds           [B, T] positions, as for {@link #forward}
     * @param attentionMask         [B, T] 1 for real tokens, 0 for padding
     * @param rows                  [N] int64 flat indices {@code b * T + t} of the positions the loss reads
     * @param chunk                 rows per head product, >= 1
     * @param loss                  the scalar loss of each chunk, differentiable in its logits
     * @param gc                    the open collector to backpropagate with
     * @param gradientCheckpointing whether to recompute the blocks in the backward pass
     * @return the sum of the chunks' losses
     */
    public double trainingLoss(NDArray inputIds, long[] positionIds, float[] attentionMask, NDArray rows, int chunk,
                               ChunkLoss loss, GradientCollector gc, boolean gradientCheckpointing) {
        if (!gradientCheckpointing) {
            NDArray hidden = hidden(inputIds, positionIds, attentionMask, null).get(rows);      // [N, H]
            return chunkedLoss(hidden, chunk, loss, gc);
        }
        checkChunk(chunk);
        NDManager m = inputIds.getManager();
        DecoderInputs in = decoderInputs(inputIds, positionIds, attentionMask, null);
        int layers = weights.blocks.length;
        int rowsTotal = in.b * in.t;

        // Forward without recording: only the blocks' inputs survive, each block's temporaries are
        // closed with its scope. Nothing is recorded before this pass, so turning grad mode off here
        // does not come between a recorded forward pass and its backward pass.
        NDArray[] blockInputs = new NDArray[layers];                                             // each [B*T, H]
        NDArray x;
        boolean was = Engines.gradMode(false);
        try {
            try (NDScope scope = new NDScope()) {
                x = embed(in.ids).reshape(rowsTotal, config.hiddenSize());                        // [B*T, H]
                NDScope.unregister(x);
            }
            for (int layer = 0; layer < layers; layer++) {
                blockInputs[layer] = x;
                try (NDScope scope = new NDScope()) {
                    x = block(layer, x, in.cos, in.sin, in.mask, null, in.b, in.t);               // [B*T, H]
                    NDScope.unregister(x);
                }
            }
        } finally {
            Engines.gradMode(was);
        }

        // The final norm and the head, recorded from a leaf copy of the last block's output.
        double total;
        NDArray upstream;                                                                        // d loss / d x, [B*T, H]
        try (NDScope scope = new NDScope()) {
            NDArray last = x.duplicate();
            last.setRequiresGradient(true);
            NDArray hidden = rmsNorm(last, weights.finalNorm).get(rows);                          // [N, H]
            total = chunkedLoss(hidden, chunk, loss, gc);
            if (hidden.getShape().get(0) == 0) {
                return total;                                                                    // nothing to backpropagate
            }
            upstream = last.getGradient().duplicate();
            NDScope.unregister(upstream);
        } finally {
            x.close();
        }

        // The blocks, last to first: recompute with recording on, backpropagate the output's gradient.
        for (int layer = layers - 1; layer >= 0; layer--) {
            try (NDScope scope = new NDScope()) {
                NDArray input = blockInputs[layer].duplicate();                                   // [B*T, H], a leaf
                input.setRequiresGradient(true);
                NDArray output = block(layer, input, in.cos, in.sin, in.mask, null, in.b, in.t);  // [B*T, H]
                gc.backward(output.mul(upstream).sum());                                         // d/d(output) = upstream
                NDArray next = input.getGradient().duplicate();
                NDScope.unregister(next);
                upstream.close();
                blockInputs[layer].close();
                upstream = next;
            }
        }

        // The embedding last; under an adapter it is frozen and needs no gradient.
        if (weights.embedding.hasGradient()) {
            try (NDScope scope = new NDScope()) {
                NDArray embedded = embed(in.ids).reshape(rowsTotal, config.hiddenSize());         // [B*T, H]
                gc.backward(embedded.mul(upstream).sum());
            }
        }
        upstream.close();
        return total;
    }

    private static void checkChunk(int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("logits chunk must be >= 1 position, was " + chunk);
        }
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
                NDArray logits = forward(Engines.owned(m.create(ids, new Shape(1, ids.length))), pos, attend, null);
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
        NDArray rows = out.singletonOrThrow(); // [B, T, H], in the embedding's storage type
        // A half-precision embedding is upcast after the lookup: only the B*T rows used, not [V, H].
        return rows.getDataType() == DataType.FLOAT32 ? rows : rows.toType(DataType.FLOAT32, false);
    }

    private NDArray block(int layer, NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache, int b, int t) {
        DecoderWeights.Block w = weights.blocks[layer];
        int hq = config.numAttentionHeads();
        int hkv = config.numKeyValueHeads();
        int d = config.headDim();
        int g = config.queriesPerKeyValueHead();

        // Attention.
        NDArray h = rmsNorm(x, w.inputNorm);                                  // [B*T, H]
        NDManager step = x.getManager();                                      // where float32 copies of half-precision weights go
        NDArray qkv = h.matMul(DecoderWeights.forCompute(w.qkv, step));       // [B*T, (Hq + 2 Hkv) D]
        qkv = adapted(layer, ProjectionAdapter.Projection.QKV, h, qkv);
        if (w.qkvBias != null) {
            qkv = qkv.add(w.qkvBias);
        }
        NDList parts = qkv.split(new long[] {(hq + hkv) * d}, 1);
        NDArray qkHeads = parts.get(0).reshape(b, t, hq + hkv, d);           // [B, T, Hq + Hkv, D]
        if (w.qNorm != null) {
            // Qwen3: RMSNorm of every query and key head over D, before the rotation.
            qkHeads = rmsNorm(qkHeads, queryKeyGain(w, qkHeads.getManager(), hq, hkv));
        }
        // Queries and keys rotate together: one rotary pass over [B, Hq + Hkv, T, D].
        NDArray qk = rotate(qkHeads.transpose(0, 2, 1, 3), cos, sin);
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
        NDArray qr = q.reshape(b, hkv, g * t, d);
        NDArray qg = qr.mul(Engines.scalarLike(qr, 1.0 / Math.sqrt(d)));      // [B, Hkv, G*T, D]
        NDArray scores = qg.matMul(keysT)                                     // [B, Hkv, G*T, S]
                .reshape(b, hkv, g, t, s)
                .add(mask);                                                   // + [B, 1, 1, T, S]
        NDArray probs = scores.softmax(-1).reshape(b, hkv, g * t, s);         // [B, Hkv, G*T, S]
        NDArray attended = probs.matMul(v)                                    // [B, Hkv, G*T, D]
                .reshape(b, hq, t, d)
                .transpose(0, 2, 1, 3)
                .reshape(b * t, hq * d);                                      // [B*T, Hq D]
        NDArray out = attended.matMul(DecoderWeights.forCompute(w.output, step)); // [B*T, H]
        out = adapted(layer, ProjectionAdapter.Projection.OUTPUT, attended, out);
        if (w.outputBias != null) {
            out = out.add(w.outputBias);
        }
        x = x.add(out);

        // SwiGLU MLP.
        NDArray h2 = rmsNorm(x, w.postNorm);                                  // [B*T, H]
        NDArray gu = h2.matMul(DecoderWeights.forCompute(w.gateUp, step));    // [B*T, 2I]
        gu = adapted(layer, ProjectionAdapter.Projection.GATE_UP, h2, gu);
        if (w.gateUpBias != null) {
            gu = gu.add(w.gateUpBias);
        }
        NDList gateUp = gu.split(2, 1);
        NDArray gate = gateUp.get(0);                                         // [B*T, I]
        NDArray up = gateUp.get(1);                                           // [B*T, I]
        NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up);  // silu(gate) * up
        NDArray mlp = act.matMul(DecoderWeights.forCompute(w.down, step));    // [B*T, H]
        mlp = adapted(layer, ProjectionAdapter.Projection.DOWN, act, mlp);
        if (w.downBias != null) {
            mlp = mlp.add(w.downBias);
        }
        return x.add(mlp);
    }

    /** {@code output} plus the adapter's delta for this projection, when an adapter targets it. */
    private NDArray adapted(int layer, ProjectionAdapter.Projection projection, NDArray input, NDArray output) {
        NDArray delta = adapter == null ? null : adapter.delta(layer, projection, input);
        return delta == null ? output : output.add(delta);
    }

    /** RMSNorm: x / sqrt(mean(x^2) + eps) * gain, over the last axis. */
    private NDArray rmsNorm(NDArray x, NDArray gain) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt(); // [..., 1]
        return x.div(rms).mul(gain);
    }

    /**
     * The gains of the per-head query and key norms as one [Hq + Hkv, D] array (q_norm repeated over the
     * query heads, k_norm over the key heads), so that one RMSNorm serves the fused [.., Hq + Hkv, D]
     * projection. Built from the parameters on every call so gradients reach them; the ones come first so
     * the result belongs to {@code m}, not to the weights' manager.
     */
    private static NDArray queryKeyGain(DecoderWeights.Block w, NDManager m, int hq, int hkv) {
        NDArray q = m.ones(new Shape(hq, 1)).mul(w.qNorm);   // [Hq, D]
        NDArray k = m.ones(new Shape(hkv, 1)).mul(w.kNorm);  // [Hkv, D]
        return q.concat(k, 0);                                // [Hq + Hkv, D]
    }

    /** Rotary embedding, rotate-half form: x * cos + [-x2, x1] * sin, with x = [x1, x2] split in halves. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * The additive attention mask [B, T, S] (flattened) for T new queries after {@code past} cached
     * positions: 0 where the query may attend, {@link #MASKED} elsewhere. With a sliding {@code window}
     * (0: none) a query sees only the last {@code window} keys up to itself, counted in sequence
     * indices as Hugging Face counts them; with left padding these equal position differences.
     */
    static float[] additiveMask(float[] keep, int b, int t, int past, int window) {
        int s = past + t;
        float[] mask = new float[b * t * s];
        for (int row = 0; row < b; row++) {
            for (int q = 0; q < t; q++) {
                int base = (row * t + q) * s;
                int visible = past + q; // last key index this query may see
                int first = window > 0 ? visible - window + 1 : 0; // first key index inside the window
                for (int key = 0; key < s; key++) {
                    mask[base + key] = key <= visible && key >= first && keep[row * s + key] != 0f ? 0f : MASKED;
                }
            }
        }
        return mask;
    }

    @Override
    public void close() {
        if (!sharesWeights) {
            manager.close();
        } else if (ownsAdapter) {
            adapter.close();
        }
    }
}
