package dev.r1j.rl.generate.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 * {@code u * total}. Truncation keeps a prefix of the tokens sorted by probability, each rule measured
 * on the whole temperature-scaled distribution (top-k: the first k; top-p: up to the first whose
 * cumulative probability reaches p; min-p: those with at least min-p times the top probability); the
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
     * The chosen tokens and their log-probabilities under softmax(logits / temperature), untruncated.
     *
     * @param tokens   [B] chosen ids
     * @param logProbs [B] their log-probabilities
     */
    public record Picks(int[] tokens, float[] logProbs) {}

    /**
     * Picks one token per row. The temporaries belong to the logits' manager.
     *
     * @param logits   [B, V] float32
     * @param uniforms [B] numbers in [0, 1), one per row from the row's stream; ignored when greedy
     */
    public Picks choose(NDArray logits, double[] uniforms) {
        NDManager m = logits.getManager();
        int b = (int) logits.getShape().get(0);
        int vocab = (int) logits.getShape().get(1);
        double t = temperature == 0 ? 1.0 : temperature;
        // Unnormalised probabilities p = exp((l - max) / t) in double: the top token's is exactly 1.
        NDArray max = logits.max(new int[] {1}, true);                                       // [B, 1]
        // [B, V] doubles are 78 MB at B = 64, V = 151,936: each temporary is freed once used.
        NDArray asDouble = logits.toType(DataType.FLOAT64, false);                          // [B, V]
        NDArray scaled = asDouble.sub(max.toType(DataType.FLOAT64, false));                 // [B, V]
        closeUnless(asDouble, logits);
        if (t != 1.0) {
            NDArray shifted = scaled;
            scaled = shifted.div(t);
            shifted.close();
        }
        NDArray p = scaled.exp();                                                           // [B, V]
        scaled.close();
        NDArray running = p.cumSum(1);                                                      // [B, V]
        NDArray total = running.get(":, -1:");                                              // [B, 1]
        NDArray token;                                                                      // [B, 1] int64
        if (temperature == 0) {
            token = logits.argMax(1).expandDims(1);
        } else if (!truncates(vocab)) {
            NDArray target = Engines.owned(m.create(uniforms)).expandDims(1).mul(total);                     // [B, 1]
            token = count(running.lte(target)).minimum(vocab - 1);
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
        return new Picks(tokens, logProbs);
    }

    private boolean truncates(int vocab) {
        return (topK > 0 && topK < vocab) || topP < 1.0 || minP > 0;
    }

    private static void closeUnless(NDArray temporary, NDArray kept) {
        if (temporary != kept) {
            temporary.close();
        }
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
