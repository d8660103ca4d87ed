package dev.r1j.rl.generate.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rl.generate.SampledTokens;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.Engines;

/**
 * Picks every row's next token from a batch of logits on the engine: greedy, or temperature sampling
 * with optional top-k, top-p and min-p truncation. The whole vocabulary stays on the engine (softmax,
 * sort, cumulative sums and masks are engine operations); each row's draw is one uniform number from
 * that row's own random stream, made on the host, so a row's tokens depend only on its seed. Only the
 * chosen ids and two probabilities per row come back.
 *
 * <p>The arithmetic is the one the previous per-row Java sampler did, in the same precision and order,
 * so seeded streams pick the same tokens: probabilities {@code p_i = exp((l_i - max) / T)} in double,
 * their total as a sequential running sum, the draw as the first index whose running sum exceeds
 * {@code u * total}. On vocabularies above {@value #SEQUENTIAL_VOCAB} tokens the running sum is taken
 * in blocks (see {@link #runningSums}), which equals the sequential one up to rounding. Truncation
 * keeps a prefix of the tokens sorted by probability, each rule measured on the whole
 * temperature-scaled distribution (top-k: the first k; top-p: up to the first whose cumulative
 * probability reaches p; min-p: those with at least min-p times the top probability); the
 * kept set is the shortest of those prefixes, and the draw walks it in sorted order. Where two tokens
 * have exactly the same probability the engine's sort decides their order (the Java sampler put the
 * lower id first); see docs/architecture.md, "Generation".
 */
public final class TokenSampler {

    /** Tokens a truncating rule looks at first on a large vocabulary, before falling back to a full sort. */
    static final int CANDIDATES = 1024;

    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;

    public TokenSampler(SamplingParams params) {
        this.temperature = params.temperature();
        this.topK = params.topK();
        this.topP = params.topP();
        this.minP = params.minP();
    }

    /** Whether a pick consumes a uniform number (false for greedy decoding). */
    public boolean draws() {
        return temperature != 0;
    }

    /**
     * Picks one token per row. The temporaries belong to the logits' manager.
     *
     * @param logits   [B, V] float32
     * @param uniforms [B] numbers in [0, 1), one per row from the row's stream; ignored when greedy
     */
    public SampledTokens choose(NDArray logits, double[] uniforms) {
        NDManager m = logits.getManager();
        int b = (int) logits.getShape().get(0);
        int vocab = (int) logits.getShape().get(1);
        double t = temperature == 0 ? 1.0 : temperature;
        // Unnormalised probabilities p = exp((l - max) / t) in double: the top token's is exactly 1.
        NDArray max = logits.max(new int[] {1}, true);                                       // [B, 1]
        // [B, V] doubles are 78 MB at B = 64, V = 151,936: each temporary is freed once used.
        // One float64 copy, shifted and scaled in place: every [B, V] temporary is a fresh mapping the
        // allocator faults in. The copy is always a new array, so the caller's logits are never changed.
        NDArray scaled = logits.toType(DataType.FLOAT64, true).subi(max.toType(DataType.FLOAT64, false)); // [B, V]
        if (t != 1.0) {
            scaled.divi(t);
        }
        NDArray p = scaled.exp();                                                           // [B, V]
        scaled.close();
        RunningSums sums = runningSums(p, b, vocab);
        NDArray total = sums.total();                                                       // [B, 1]
        NDArray token;                                                                      // [B, 1] int64
        if (temperature == 0) {
            token = logits.argMax(1).expandDims(1);
        } else if (!truncates(vocab)) {
            NDArray target = Engines.owned(m.create(uniforms)).expandDims(1).mul(total);                     // [B, 1]
            token = sums.firstAbove(target);
        } else {
            NDArray order = null;                                                           // [B, N] ids, most likely first
            NDArray sorted = null;                                                          // [B, N] their p
            if (topK > 0 && topK < vocab) {
                NDList top = p.topK(topK, 1, true, true);
                sorted = top.get(0);
                order = top.get(1);
            } else if (vocab > 2 * CANDIDATES) {
                // A full sort of a large vocabulary costs far more than the model step. The kept prefix
                // is almost always short: take the CANDIDATES most likely tokens, and keep them where
                // every row's kept prefix provably ends inside them (the sorted values and running
                // sums over them are the same as over the full sort's first entries).
                NDList top = p.topK(CANDIDATES, 1, true, true);
                NDArray inside = null;                                                      // [B, 1] bool
                if (topP < 1.0) {
                    inside = top.get(0).div(total).cumSum(1).get(":, -1:").gte(topP);
                }
                if (minP > 0) {
                    NDArray below = top.get(0).get(":, -1:").lt(minP);
                    inside = inside == null ? below : inside.logicalOr(below);
                }
                if (inside != null && inside.all().getBoolean()) {
                    sorted = top.get(0);
                    order = top.get(1);
                }
            }
            if (sorted == null) {
                order = p.argSort(1, false);
                sorted = p.gather(order, 1);
            }
            int n = (int) sorted.getShape().get(1);
            NDArray keep = null;                                                            // [B, 1] int64, or all n
            if (topP < 1.0) {
                NDArray mass = sorted.div(total).cumSum(1);                                 // [B, N]
                keep = count(mass.lt(topP)).add(1).minimum(n);
            }
            if (minP > 0) {
                NDArray aboveMinP = count(sorted.gte(minP)); // the top token's p is 1: p_i >= min_p * 1
                keep = keep == null ? aboveMinP : keep.minimum(aboveMinP);
            }
            NDArray keptRunning = sorted.cumSum(1);                                         // [B, N]
            NDArray last = keep == null ? m.full(new Shape(b, 1), n - 1).toType(DataType.INT64, false) : keep.sub(1); // [B, 1]
            NDArray kept = keptRunning.gather(last, 1);                                     // [B, 1]
            NDArray target = Engines.owned(m.create(uniforms)).expandDims(1).mul(kept);                      // [B, 1]
            NDArray position = count(keptRunning.lte(target)).minimum(last);                 // [B, 1]
            token = order.gather(position, 1);
        }
        NDArray chosen = p.gather(token, 1);                                                // [B, 1]
        // One transfer: id, p(id) and the total per row (ids are exact in double).
        double[] back = token.toType(DataType.FLOAT64, false).concat(chosen, 1).concat(total, 1).toDoubleArray(); // [B, 3]
        int[] tokens = new int[b];
        float[] logProbs = new float[b];
        for (int r = 0; r < b; r++) {
            tokens[r] = (int) back[3 * r];
            logProbs[r] = (float) (Math.log(back[3 * r + 1]) - Math.log(back[3 * r + 2]));
        }
        return new SampledTokens(tokens, logProbs);
    }

    /** Vocabularies up to this size take one sequential running sum over the whole row. */
    static final int SEQUENTIAL_VOCAB = 4096;

    /**
     * The running sum of {@code p} over each row, in blocks: within block j (of {@code k} tokens) the
     * sum runs sequentially from the sum of the blocks before it, which is itself a sequential running
     * sum of the block totals. That is the sequential running sum up to rounding (a draw lands on a
     * different token only when it falls within a few units in the last place of a boundary), but it
     * builds one [B, V] temporary instead of three, and the search compares only [B, V / k] block sums
     * and one block of {@code k} per row. Vocabularies up to {@value #SEQUENTIAL_VOCAB} use a single
     * block: exactly the sequential sum.
     *
     * @param within [B, V / k, k] running sums inside each block
     * @param ends   [B, V / k] running sum at the end of each block
     */
    private record RunningSums(NDArray within, NDArray ends, int b, int blocks, int k) {
        NDArray total() {
            return ends.get(":, -1:");                                                      // [B, 1]
        }

        /** Per row, the first token whose running sum exceeds {@code target} [B, 1] (the last if none): [B, 1] int64. */
        NDArray firstAbove(NDArray target) {
            NDArray block = count(ends.lte(target)).minimum(blocks - 1);                   // [B, 1]
            NDManager m = ends.getManager();
            NDArray before = m.zeros(new Shape(b, 1), DataType.FLOAT64)
                    .concat(ends.get(":, :-1"), 1)                                          // [B, V / k] sum before each block
                    .gather(block, 1);                                                      // [B, 1]
            NDArray index = block.expandDims(2).repeat(2, k);                               // [B, 1, k]
            NDArray inside = within.gather(index, 1).reshape(b, k).add(before);             // [B, k]
            NDArray position = count(inside.lte(target)).minimum(k - 1);                    // [B, 1]
            return block.mul(k).add(position);
        }
    }

    private static RunningSums runningSums(NDArray p, int b, int vocab) {
        int k = blockSize(vocab);
        int blocks = vocab / k;
        NDArray within = p.reshape(b, blocks, k).cumSum(2);                                 // [B, V / k, k]
        NDArray ends = within.get(":, :, -1").cumSum(1);                                    // [B, V / k]
        return new RunningSums(within, ends, b, blocks, k);
    }

    /** The block length: the whole vocabulary when it is small, else its largest divisor up to 1,024. */
    static int blockSize(int vocab) {
        if (vocab <= SEQUENTIAL_VOCAB) {
            return vocab;
        }
        for (int k = 1024; k > 1; k--) {
            if (vocab % k == 0) {
                return k;
            }
        }
        return vocab;
    }

    /** Whether a rule (top-k below the vocabulary, top-p, min-p) cuts the distribution over {@code vocab} tokens. */
    public boolean truncates(int vocab) {
        return (topK > 0 && topK < vocab) || topP < 1.0 || minP > 0;
    }

    /** Per row, how many entries of a boolean [B, N] are true, as [B, 1] int64; frees {@code mask}. */
    private static NDArray count(NDArray mask) {
        try (NDArray asLong = mask.toType(DataType.INT64, false)) {
            return asLong.sum(new int[] {1}, true);
        } finally {
            mask.close();
        }
    }
}
