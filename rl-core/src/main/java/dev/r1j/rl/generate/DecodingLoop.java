package dev.r1j.rl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.generate.internal.TokenSampler;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.KvCache;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Batched autoregressive decoding with a KV cache: left-pad the prompts, run them in one forward pass
 * (prefill), then one position per step for every row until each row ends (EOS, stop string, or
 * length). Once finished rows are half the batch, the batch and its cache shrink to the live rows.
 * The engine is a {@link Backend}: DJL's {@link CausalLm} here, ONNX Runtime in the distill module.
 * An engine that implements {@link Backend} and {@link Batch} gets {@link DjlGenerator}'s padding,
 * positions, per-row random streams and finish rules unchanged, so its greedy output is token for
 * token the DJL engine's wherever the logits agree.
 */
public final class DecodingLoop {

    /**
     * What the loop needs from an engine: batches that run new positions and keep their own key/value
     * cache. The DJL engine ({@link CausalLm}) and ONNX Runtime implement it, so both share one
     * definition of padding, positions, sampling streams, finish reasons and batch compaction.
     */
    public interface Backend {
        /** Logits per position. */
        int vocabSize();

        /** A batch of {@code batchSize} rows whose cache holds up to {@code capacity} positions. */
        Batch open(int batchSize, int capacity);
    }

    /** One batch being decoded; closing it frees its cache. */
    public interface Batch extends AutoCloseable {
        /**
         * Runs {@code t} new positions for every row and appends them to the cache.
         *
         * @param ids       [B, T] token ids, row-major
         * @param positions [B, T] each new token's position in its own sequence
         * @param keep      [B, S] 1 where a cached or new position holds a real token, 0 for padding
         *                  (S = cached positions + T)
         * @return the logits of the last new position of each row, [B, V] row-major
         */
        float[] forward(int[] ids, int t, long[] positions, float[] keep);

        /**
         * {@link #forward}, with the logits as a [B, V] float32 array of the DJL engine in {@code step},
         * where the loop samples. The default copies {@link #forward}'s host logits in; the DJL engine
         * returns its own result, so no logits leave the engine.
         */
        default NDArray forwardOnEngine(NDManager step, int[] ids, int t, long[] positions, float[] keep) {
            float[] logits = forward(ids, t, positions, keep);
            int rows = positions.length / t;
            return Engines.owned(step.create(logits, new Shape(rows, logits.length / rows)));
        }

        /**
         * Whether {@link #forwardAndSample} works: the engine draws samples itself (ONNX Runtime's
         * rollout graph), so a step returns B ids and log-probs instead of [B, V] logits. Untruncated
         * draws at least; {@link #truncatesOnEngine} says whether top-k, top-p and min-p too.
         */
        default boolean samplesOnEngine() {
            return false;
        }

        /**
         * Whether {@link #forwardAndSample} also applies top-k, top-p and min-p; asked only where
         * {@link #samplesOnEngine}. Where not, a truncating step's logits come back and the loop's own
         * sampler truncates and draws.
         */
        default boolean truncatesOnEngine() {
            return false;
        }

        /**
         * {@link #forward}, then one pick per entry of {@code rows} from that row's logits, on the engine:
         * greedy where the temperature is 0 (log-probs at temperature 1), else the draw the loop's own
         * sampler would make with {@code params} and {@code uniforms} (truncated by their top-k, top-p and
         * min-p, which the loop passes on only to an engine that {@link #truncatesOnEngine}), equal to it
         * up to rounding (ONNX Runtime's exponentials are float32) and the order of tokens of equal
         * probability.
         *
         * @param rows     [B'] which row of this step's logits each pick reads (a prompt's prefill row
         *                 for each of its samples), or null for row j for pick j
         * @param uniforms [B'] one number in [0, 1) per pick; ignored when greedy
         * @param params   the temperature, top-k, top-p and min-p of the pick (the rest is the loop's)
         */
        default SampledTokens forwardAndSample(int[] ids, int t, long[] positions, float[] keep, long[] rows,
                                               double[] uniforms, SamplingParams params) {
            throw new UnsupportedOperationException("this engine does not sample; use forwardOnEngine");
        }

        /**
         * Keeps only the rows {@code rows} (indices into the current batch, in the order given; an
         * index may repeat, which copies that row: how a prompt's prefill is shared by its samples).
         */
        void retainRows(long[] rows);

        @Override
        void close();
    }

    private final Backend backend;
    private final Set<Integer> eosIds;
    private final int padId;
    private final Function<int[], String> decode;

    /**
     * @param eosId  end-of-sequence token (-1: none, rows end only by length or stop string)
     * @param padId  token fed for padding and for rows that have finished
     * @param decode turns generated ids into text (special tokens skipped)
     */
    public DecodingLoop(CausalLm model, int eosId, int padId, Function<int[], String> decode) {
        this(new DjlBackend(model), eosId, padId, decode);
    }

    /** A loop on {@code model} that ends a row on any of {@code eosIds}; see {@link #DecodingLoop(Backend, List, int, Function)}. */
    public DecodingLoop(CausalLm model, List<Integer> eosIds, int padId, Function<int[], String> decode) {
        this(new DjlBackend(model), eosIds, padId, decode);
    }

    /** A loop over any engine; see {@link #DecodingLoop(CausalLm, int, int, Function)} for the other arguments. */
    public DecodingLoop(Backend backend, int eosId, int padId, Function<int[], String> decode) {
        this(backend, eosId < 0 ? List.of() : List.of(eosId), padId, decode);
    }

    /**
     * A loop that ends a row on any of {@code eosIds} (empty: rows end only by length or stop string),
     * as models whose {@code generation_config.json} lists several end tokens need; see
     * {@link #DecodingLoop(CausalLm, int, int, Function)} for the other arguments.
     */
    public DecodingLoop(Backend backend, List<Integer> eosIds, int padId, Function<int[], String> decode) {
        this.backend = backend;
        this.eosIds = Set.copyOf(eosIds);
        this.padId = padId;
        this.decode = decode;
    }

    /**
     * The whole of {@code Generator.generate} for any engine: encodes and checks the prompts, then
     * decodes {@code n} samples of each in batches of at most {@code maxBatchSize} rows. Row keys are
     * global ({@code prompt * n + sample}), so a prompt's samples come from the same random streams on
     * either engine and at any batch size.
     *
     * @param tokenizer    encodes the prompts
     * @param checkTokens  the engine's check that ids fit its vocabulary (ids, what to call them)
     * @param maxPositions the engine's max_position_embeddings
     * @throws BadInputException for an empty prompt, or one that leaves no room for {@code maxNewTokens}
     */
    public List<Completion> generate(List<String> prompts, int n, SamplingParams params, Tokenizer tokenizer,
                                     BiConsumer<int[], String> checkTokens, int maxPositions, int maxBatchSize) {
        if (n < 1) {
            throw new IllegalArgumentException("completions per prompt must be >= 1, was " + n);
        }
        List<int[]> encoded = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String text = prompts.get(i);
            if (text == null || text.isEmpty()) {
                throw new BadInputException("prompt " + i + " is empty");
            }
            int[] ids = tokenizer.encode(text);
            checkTokens.accept(ids, "prompt " + i);
            if ((long) ids.length + params.maxNewTokens() > maxPositions) {
                throw new BadInputException("prompt " + i + " has " + ids.length + " tokens; with max_new_tokens "
                        + params.maxNewTokens() + " it needs " + (ids.length + params.maxNewTokens())
                        + " positions, more than the model's max_position_embeddings " + maxPositions);
            }
            encoded.add(ids);
        }
        int rows = encoded.size() * n;
        List<Completion> out = new ArrayList<>(rows);
        for (int start = 0; start < rows; start += maxBatchSize) {
            int end = Math.min(rows, start + maxBatchSize);
            List<int[]> batch = new ArrayList<>(end - start);
            long[] keys = new long[end - start];
            int[] promptIndex = new int[end - start];
            for (int row = start; row < end; row++) {
                batch.add(encoded.get(row / n));
                keys[row - start] = row;
                promptIndex[row - start] = row / n;
            }
            out.addAll(run(batch, keys, promptIndex, params));
        }
        return out;
    }

    /**
     * Generates one completion per prompt. {@code rowKeys[i]} names prompt i's random stream: with the
     * same seed and key a row samples the same tokens whatever else is in the batch. Rows with the same
     * prompt (a prompt's group of samples) share one prefill: the prompt is run once and its cache rows
     * are copied on the engine to every row that starts from it.
     */
    public List<Completion> run(List<int[]> prompts, long[] rowKeys, int[] promptIndices, SamplingParams params) {
        int b = prompts.size();
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        int maxNew = params.maxNewTokens();
        TokenSampler sampler = new TokenSampler(params);
        SplittableRandom[] rngs = new SplittableRandom[b];
        for (int r = 0; r < b; r++) {
            rngs[r] = new SplittableRandom(mix(params.seed(), rowKeys[r]));
        }
        // distinct.get(u): a request row holding the u-th distinct prompt; source[r]: row r's distinct prompt.
        List<Integer> distinct = new ArrayList<>();
        long[] source = new long[b];
        Map<List<Integer>, Integer> seen = new HashMap<>();
        for (int r = 0; r < b; r++) {
            int[] p = prompts.get(r);
            List<Integer> key = Arrays.stream(p).boxed().toList();
            Integer u = seen.get(key);
            if (u == null) {
                u = distinct.size();
                seen.put(key, u);
                distinct.add(r);
            }
            source[r] = u;
        }
        int unique = distinct.size();

        int capacity = longest + maxNew;
        int[][] generated = new int[b][maxNew];
        float[][] logProbs = new float[b][maxNew];
        int[] count = new int[b];
        FinishReason[] finished = new FinishReason[b];
        String[] stoppedText = new String[b];
        long[] nextPosition = new long[b];
        // keep[r * capacity + s]: 1 where position s of row r holds a real token.
        float[] keep = new float[b * capacity];
        for (int r = 0; r < b; r++) {
            int[] p = prompts.get(r);
            int pad = longest - p.length;
            for (int j = pad; j < longest; j++) {
                keep[r * capacity + j] = 1f;
            }
            nextPosition[r] = p.length;
        }

        try (NDManager engine = NDManager.newBaseManager(); Batch batch = backend.open(unique, capacity)) {
            // Draws happen on an engine that can make them: untruncated ones on any such engine,
            // truncated ones where it truncates too; otherwise the logits come back to the sampler here.
            boolean onEngine = batch.samplesOnEngine()
                    && (batch.truncatesOnEngine() || !sampler.truncates(backend.vocabSize()));
            Picker picker = new Picker(engine, batch, sampler, onEngine, params, rngs, finished);
            // active[j]: the request row decoded at batch position j. Rows that finish keep being fed
            // padding until they are at least half the batch; then the batch (and its cache) is
            // compacted to the live rows, so that long stragglers do not pay for finished rows.
            int[] active = new int[b];
            for (int r = 0; r < b; r++) {
                active[r] = r;
            }
            int[] ids = new int[unique * longest];
            long[] prefillPositions = new long[unique * longest];
            float[] prefillMask = new float[unique * longest];
            for (int u = 0; u < unique; u++) {
                int r = distinct.get(u);
                int[] p = prompts.get(r);
                int pad = longest - p.length;
                for (int j = 0; j < longest; j++) {
                    boolean real = j >= pad;
                    ids[u * longest + j] = real ? p[j - pad] : padId;
                    prefillPositions[u * longest + j] = real ? j - pad : 0;
                }
                System.arraycopy(keep, r * capacity, prefillMask, u * longest, longest);
            }
            // The prefill runs U distinct prompts; row r samples from its prompt's logits row source[r].
            SampledTokens picks = picker.next(ids, longest, prefillPositions, prefillMask, unique < b ? source : null, active);
            if (unique < b) {
                batch.retainRows(source);                                                    // the cache: U rows -> B
            }
            int cached = longest;
            for (int t = 0; t < maxNew; t++) {
                int[] next = new int[active.length];
                int live = 0;
                for (int j = 0; j < active.length; j++) {
                    int r = active[j];
                    if (finished[r] != null) {
                        next[j] = padId;
                        continue;
                    }
                    int token = picks.tokens()[j];
                    generated[r][count[r]] = token;
                    logProbs[r][count[r]] = picks.logProbs()[j];
                    count[r]++;
                    next[j] = token;
                    if (eosIds.contains(token) || params.eosTokenIds().contains(token)) {
                        finished[r] = FinishReason.EOS;
                    } else if (!params.stopStrings().isEmpty()) {
                        String text = decode.apply(Arrays.copyOf(generated[r], count[r]));
                        int cut = firstStop(text, params.stopStrings());
                        if (cut >= 0) {
                            finished[r] = FinishReason.STOP_STRING;
                            stoppedText[r] = text.substring(0, cut);
                        }
                    }
                    if (finished[r] == null) {
                        live++;
                    }
                }
                if (live == 0 || t == maxNew - 1) {
                    break;
                }
                if (live <= active.length / 2) {
                    long[] keepRows = new long[live];
                    int[] nextActive = new int[live];
                    int[] nextTokens = new int[live];
                    int k = 0;
                    for (int j = 0; j < active.length; j++) {
                        if (finished[active[j]] == null) {
                            keepRows[k] = j;
                            nextActive[k] = active[j];
                            nextTokens[k] = next[j];
                            k++;
                        }
                    }
                    batch.retainRows(keepRows);
                    active = nextActive;
                    next = nextTokens;
                }
                int s = cached + 1;
                long[] pos = new long[active.length];
                float[] mask = new float[active.length * s];
                for (int j = 0; j < active.length; j++) {
                    int r = active[j];
                    keep[r * capacity + cached] = 1f;
                    pos[j] = nextPosition[r]++;
                    System.arraycopy(keep, r * capacity, mask, j * s, s);
                }
                picks = picker.next(next, 1, pos, mask, null, active);
                cached = s;
            }
        }

        List<Completion> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            int[] ids = Arrays.copyOf(generated[r], count[r]);
            FinishReason why = finished[r] == null ? FinishReason.LENGTH : finished[r];
            String text = stoppedText[r] != null ? stoppedText[r] : decode.apply(ids);
            out.add(new Completion(promptIndices[r], text, ids, Arrays.copyOf(logProbs[r], count[r]), why));
        }
        return out;
    }

    /**
     * One step's forward pass and pick for every row of a batch, wherever the pick is made. Each
     * unfinished row's uniform comes from its own stream at the moment of the pick, on either path, so
     * a row consumes its stream the same way whether the engine or the sampler draws.
     */
    private static final class Picker {
        private final NDManager engine;
        private final Batch batch;
        private final TokenSampler sampler;
        private final boolean onEngine;
        private final SamplingParams params;
        private final SplittableRandom[] rngs;
        private final FinishReason[] finished;

        Picker(NDManager engine, Batch batch, TokenSampler sampler, boolean onEngine, SamplingParams params,
               SplittableRandom[] rngs, FinishReason[] finished) {
            this.engine = engine;
            this.batch = batch;
            this.sampler = sampler;
            this.onEngine = onEngine;
            this.params = params;
            this.rngs = rngs;
            this.finished = finished;
        }

        /**
         * Runs {@code t} new positions and picks the next token of each row in {@code active}.
         *
         * @param rows which row of the step's logits pick j reads ({@code null}: row j)
         */
        SampledTokens next(int[] ids, int t, long[] positions, float[] keep, long[] rows, int[] active) {
            double[] uniforms = new double[active.length];                                   // [B]
            if (sampler.draws()) {
                for (int j = 0; j < active.length; j++) {
                    if (finished[active[j]] == null) {
                        uniforms[j] = rngs[active[j]].nextDouble();
                    }
                }
            }
            if (onEngine) {
                return batch.forwardAndSample(ids, t, positions, keep, rows, uniforms, params);
            }
            try (NDManager step = engine.newSubManager()) {                                  // the logits and the sampler's temporaries
                NDArray logits = batch.forwardOnEngine(step, ids, t, positions, keep);        // [B', V]
                if (rows != null) {
                    logits = logits.get(new NDIndex("{}", Engines.owned(step.create(rows))));  // [B, V]
                }
                return sampler.choose(logits, uniforms);
            }
        }
    }

    /**
     * The DJL engine as a backend. All arrays of a batch live in a sub-manager of the model's that is
     * closed with the batch, and every step's temporaries in a step manager closed after the step, so
     * the model's manager never grows.
     */
    private static final class DjlBackend implements Backend {
        private final CausalLm model;

        DjlBackend(CausalLm model) {
            this.model = model;
        }

        @Override
        public int vocabSize() {
            return model.config().vocabSize();
        }

        @Override
        public Batch open(int batchSize, int capacity) {
            NDManager gen = model.manager().newSubManager();
            KvCache cache;
            boolean grad = Engines.gradMode(false);
            try {
                cache = model.newCache(gen, batchSize, capacity);
            } catch (RuntimeException e) {
                gen.close();
                throw e;
            } finally {
                Engines.gradMode(grad);
            }
            return new Batch() {
                @Override
                public float[] forward(int[] ids, int t, long[] positions, float[] keep) {
                    try (NDManager step = gen.newSubManager()) {
                        return forwardOnEngine(step, ids, t, positions, keep).toFloatArray();       // [B, V]
                    }
                }

                @Override
                public NDArray forwardOnEngine(NDManager step, int[] ids, int t, long[] positions, float[] keep) {
                    int rows = positions.length / t;
                    boolean grad = Engines.gradMode(false);
                    try {
                        NDArray hidden = model.hidden(Engines.owned(step.create(ids, new Shape(rows, t))), positions, keep, cache); // [B*T, H]
                        // Only each row's last position is sampled from, so prefill projects only those rows.
                        NDArray last = t == 1 ? hidden : hidden.reshape(rows, t, model.config().hiddenSize())
                                .get(new NDIndex(":, -1, :"));                                                 // [B, H]
                        return model.head(last);                                                              // [B, V]
                    } finally {
                        Engines.gradMode(grad);
                    }
                }

                @Override
                public void retainRows(long[] rows) {
                    boolean grad = Engines.gradMode(false);
                    try {
                        cache.retainRows(rows);
                    } finally {
                        Engines.gradMode(grad);
                    }
                }

                @Override
                public void close() {
                    gen.close();
                }
            };
        }
    }

    private static int firstStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int i = text.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** SplitMix64 finaliser over (seed, key): independent streams for nearby keys. */
    static long mix(long seed, long key) {
        long z = seed * 0x9E3779B97F4A7C15L + key;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
