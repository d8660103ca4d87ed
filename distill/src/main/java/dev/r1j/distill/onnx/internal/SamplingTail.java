package dev.r1j.distill.onnx.internal;

import static dev.r1j.distill.onnx.internal.GraphBuilder.in;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.r1j.distill.onnx.internal.GraphBuilder.Attr;
import java.util.List;

/**
 * The rollout graph's last nodes: one pick per requested row from the logits, on ONNX Runtime, so a
 * decoding step hands back N ids and log-probs instead of [N, V] logits. It is the rule of the DJL
 * engine's sampler ({@code TokenSampler}), truncating or not: {@code p_i = exp((l_i - max) / T)}, their
 * total the float64 running sum of the float32 sums of blocks of the row, and each pick's
 * log-probability that of the whole, untruncated distribution, {@code log(p_token / total)}. Here the
 * temperature divides the hidden state before the head rather than the logits after it, and the
 * exponentials are float32. Greedy picks are the arg-max with their log-probability at temperature 1,
 * as the DJL sampler reports them.
 *
 * <p>Untruncated draws: the first token whose running sum of p exceeds {@code u * total}, running sums
 * taken blockwise (the running sum of the block sums, then the running sum inside the chosen block
 * only, both in float64), so a draw can differ from the DJL sampler's only where {@code u} falls
 * within rounding of a boundary between two tokens.
 *
 * <p>Truncated draws (top-k, top-p, min-p, any of them): the kept set is the shortest of the rules'
 * prefixes of the tokens sorted by probability (top-k: the first k; top-p: up to the first whose
 * cumulative probability, over the whole total, reaches p; min-p: those with {@code p_i >= min_p}, the
 * top token's p being 1), and the draw is the first kept token, in sorted order, whose running sum
 * exceeds {@code u} times the kept tokens' sum, all in float64. The sort is a TopK of the logits, the
 * order of the probabilities, taken before float32 exponentials can round two of them to one value. It
 * first takes the {@value #CANDIDATES} most likely tokens (top-k's k where that is fewer) and keeps
 * them where top-k's k is among them or every row's prefix provably ends inside them (top-p's mass
 * reached, or min-p's threshold passed, by the last candidate), as {@code TokenSampler} decides; else it
 * sorts top-k's k tokens, or the whole row. TopK's order is total (by value, the lower index first
 * among equal values), so the candidates are exactly the first entries of the longer sort and either
 * way picks the same tokens: the fall-back costs only time. It costs much: on two cores, 64 rows of
 * 151,936 logits took 1.2 s to sort whole, against 0.02-0.05 s more than an untruncated pick (0.04 s)
 * through the candidates, which hold the kept prefix of any but a nearly flat distribution. So the
 * candidates are tried on every vocabulary larger than them (the DJL sampler tries them only above
 * twice their number; the picks do not depend on it). Where two tokens' logits are equal, the graph
 * puts the lower id first and the DJL sampler orders them as PyTorch's sort does, which promises no
 * order among equal values; at a temperature other than 1 the two can also order differently two
 * tokens whose logits lie within rounding of each other (here the hidden state is divided by T, there
 * the logits). A draw differs only where the cut or {@code u} falls between two such tokens.
 *
 * <p>Which pick runs is an {@code If} on the inputs (greedy, else a draw: a second {@code If}, on a
 * rule being on): ONNX Runtime runs every node of a graph whatever is fetched, but only the branch an
 * {@code If} takes, so a greedy step pays for no draw, an untruncated one nothing for the sort (it took
 * the same 0.04 s as without the branch, on the rows above) and a truncated one nothing for the
 * blockwise search. The fall-back from the candidates to the longer sort is a third {@code If}, inside
 * the truncated branch.
 *
 * <p>Inputs: {@value #ROWS} int64 [N] (which row of the last hidden states each pick reads: at
 * prefill, a prompt's row for each of its samples; the head projects only those), {@value #UNIFORMS}
 * float64 [N], {@value #TEMPERATURE} float32 [1] (0 for greedy), {@value #TOP_K} int64 [1] (0, or at
 * least V: off), {@value #TOP_P} float64 [1] (1: off), {@value #MIN_P} float64 [1] (0: off). Outputs:
 * {@value #TOKENS} int64 [N] and {@value #LOG_PROBS} float32 [N]; the graph's {@code logits} are those
 * of the picked rows, divided by the temperature (by 1 when greedy).
 */
final class SamplingTail {

    static final String ROWS = "sample_rows";
    static final String UNIFORMS = "sample_uniforms";
    static final String TEMPERATURE = "sample_temperature";
    static final String TOP_K = "sample_top_k";
    static final String TOP_P = "sample_top_p";
    static final String MIN_P = "sample_min_p";
    static final String TOKENS = "sampled_tokens";
    static final String LOG_PROBS = "sampled_log_probs";
    /** Every input of the tail: a run that fetches anything must feed them all. */
    static final List<String> INPUTS = List.of(ROWS, UNIFORMS, TEMPERATURE, TOP_K, TOP_P, MIN_P);

    /** Longest block of the running sum: the largest divisor of V up to this (the whole row when V is prime). */
    static final int MAX_BLOCK = 1024;

    /** Tokens a truncated draw sorts first, before falling back to a longer sort: {@code TokenSampler}'s number. */
    static final int CANDIDATES = 1024;

    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private final GraphBuilder gb;
    /** [1] bool: temperature 0, a greedy pick. */
    private final String greedy;

    private SamplingTail(GraphBuilder gb) {
        this.gb = gb;
        gb.input(GraphBuilder.value(ROWS, TensorProto.DataType.INT64, "picks"));
        gb.input(GraphBuilder.value(UNIFORMS, TensorProto.DataType.DOUBLE, "picks"));
        gb.input(GraphBuilder.value(TEMPERATURE, TensorProto.DataType.FLOAT, 1));
        gb.input(GraphBuilder.value(TOP_K, TensorProto.DataType.INT64, 1));
        gb.input(GraphBuilder.value(TOP_P, TensorProto.DataType.DOUBLE, 1));
        gb.input(GraphBuilder.value(MIN_P, TensorProto.DataType.DOUBLE, 1));
        gb.output(GraphBuilder.value(TOKENS, TensorProto.DataType.INT64, "picks"));
        gb.output(GraphBuilder.value(LOG_PROBS, TensorProto.DataType.FLOAT, "picks"));
        this.greedy = gb.op("Equal", in(TEMPERATURE, gb.scalarFloat(0f)));
    }

    /** Declares the tail's inputs and outputs in {@code gb}; {@link #pickedRows} and {@link #append} add its nodes. */
    static SamplingTail declare(GraphBuilder gb) {
        return new SamplingTail(gb);
    }

    /** The block length for a vocabulary of {@code vocab} tokens. */
    static int blockSize(int vocab) {
        for (int k = Math.min(MAX_BLOCK, vocab); k > 1; k--) {
            if (vocab % k == 0) {
                return k;
            }
        }
        return vocab;
    }

    /**
     * The rows of {@code hidden} [B, H] the picks read, divided by the temperature (1 when greedy),
     * [N, H]: the output head then projects N rows into logits already divided by T, so no [B, V]
     * logits are copied or scaled to pick from them
     * (ONNX Runtime's product of a [64, 151,936] tensor and a one-element one took 11 ms of a 270 ms
     * step; the same on [64, H] costs nothing).
     */
    String pickedRows(String hidden) {
        String t = gb.op("Where", in(greedy, gb.scalarFloat(1f), TEMPERATURE));                   // [1] greedy: T = 1
        String rows = gb.op("Gather", in(hidden, ROWS), Attr.i("axis", 0));                       // [N, H]
        return gb.op("Mul", in(rows, gb.op("Reciprocal", in(t))));                                 // [N, H] / T (exact at T = 1)
    }

    /**
     * Appends the picks after {@code logits} [N, V], the head's output on {@link #pickedRows} (so
     * already divided by the temperature).
     */
    void append(String logits, int vocab) {
        int k = blockSize(vocab);
        String axis1 = gb.ints(1);

        String l = logits;                                                                         // [N, V] logits / T
        // The shift of every row. A ReduceMax rather than a TopK of one, which also gives the index but
        // took 4.5 ms of a 428 ms 64-row step of the 0.5 B shape, against 1.0 ms; only greedy picks need
        // the index, and they take it in their own branch below.
        String max = gb.op("ReduceMax", in(l), Attr.ints("axes", 1), Attr.i("keepdims", 1));      // [N, 1]
        String z = gb.op("Sub", in(l, max));                                                       // [N, V] (logits - max) / T
        String p = gb.op("Exp", in(z));                                                            // [N, V]
        String blocks = gb.op("Reshape", in(p, gb.ints(0, vocab / k, k)));                         // [N, V/k, k]
        String blockSums = gb.op("Cast", in(gb.op("ReduceSum", in(blocks, gb.ints(2)), Attr.i("keepdims", 0))),
                Attr.i("to", DOUBLE));                                                              // [N, V/k] f64
        String ends = gb.op("CumSum", in(blockSums, gb.scalarInt(1)));                            // [N, V/k] running sums at block ends
        // A Gather rather than a Slice: ONNX Runtime tries to drop a Slice whose output a branch below
        // reads, finds the branch reading its input too, and warns at every session.
        String total = gb.op("Gather", in(ends, gb.ints(vocab / k - 1L)), Attr.i("axis", 1));        // [N, 1]

        String topKOn = gb.op("And", in(gb.op("Greater", in(TOP_K, gb.ints(0))),
                gb.op("Less", in(TOP_K, gb.ints(vocab)))));                                         // [1]
        String topPOn = gb.op("Less", in(TOP_P, gb.scalarDouble(1)));                               // [1]
        String minPOn = gb.op("Greater", in(MIN_P, gb.scalarDouble(0)));                            // [1]
        String truncates = gb.op("And", in(gb.op("Not", in(greedy)),
                gb.op("Or", in(gb.op("Or", in(topKOn, topPOn)), minPOn))));                         // [1]
        GraphBuilder drawing = gb.subgraph("drawn");
        drawing.output(GraphBuilder.value(drawing.op("If", in(truncates),
                Attr.graph("then_branch", truncated(l, p, total, vocab, topKOn, topPOn, minPOn)),
                Attr.graph("else_branch", untruncated(blocks, ends, total, vocab / k, k))),
                TensorProto.DataType.INT64, "picks", 1));                                           // [N, 1]
        String token = gb.op("If", in(greedy), Attr.graph("then_branch", argMax(l)),
                Attr.graph("else_branch", drawing));                                                // [N, 1]
        gb.opNamed(TOKENS, "Squeeze", in(token, axis1));                                            // [N]
        // log p(token) = (l_token - max) / T - log(sum p), the sum in float64.
        String chosen = gb.op("Cast", in(gb.op("GatherElements", in(z, token), Attr.i("axis", 1))),
                Attr.i("to", DOUBLE));                                                              // [N, 1]
        String logProb = gb.op("Sub", in(chosen, gb.op("Log", in(total))));                        // [N, 1]
        gb.opNamed(LOG_PROBS, "Squeeze", in(gb.op("Cast", in(logProb), Attr.i("to", TensorProto.DataType.FLOAT_VALUE)), axis1)); // [N]
    }

    /**
     * The untruncated draw, as a branch returning [N, 1]: the first token whose running sum of p
     * exceeds {@code u * total}, found block by block.
     *
     * @param blocks [N, V/k, k] p
     * @param ends   [N, V/k] running sums at the block ends
     * @param total  [N, 1]
     */
    private GraphBuilder untruncated(String blocks, String ends, String total, int blockCount, int k) {
        GraphBuilder b = gb.subgraph("untruncated");
        String axis1 = b.ints(1);
        String axis2 = b.ints(2);
        String target = b.op("Mul", in(b.op("Unsqueeze", in(UNIFORMS, axis1)), total));           // [N, 1]
        String block = b.op("Min", in(count(b, b.op("LessOrEqual", in(ends, target))),
                b.ints(blockCount - 1L)));                                                               // [N, 1]
        // The running sum before each block: the block ends shifted one to the right, 0 first.
        String starts = b.op("Pad", in(b.op("Slice", in(ends, b.ints(0), b.ints(-1), axis1)),
                b.ints(0, 1, 0, 0)));                                                               // [N, V/k]
        String before = b.op("GatherElements", in(starts, block), Attr.i("axis", 1));              // [N, 1]
        String index = b.op("Expand", in(b.op("Unsqueeze", in(block, axis2)), b.ints(1, 1, k)));   // [N, 1, k]
        String inside = b.op("Add", in(b.op("CumSum", in(b.op("Cast", in(b.op("Squeeze", in(
                b.op("GatherElements", in(blocks, index), Attr.i("axis", 1)), axis1))),
                Attr.i("to", DOUBLE)), b.scalarInt(1))), before));                                  // [N, k] running sums in the block
        String position = b.op("Min", in(count(b, b.op("LessOrEqual", in(inside, target))),
                b.ints(k - 1L)));                                                                   // [N, 1]
        String drawn = b.op("Add", in(b.op("Mul", in(block, b.ints(k))), position));               // [N, 1]
        b.output(GraphBuilder.value(drawn, TensorProto.DataType.INT64, "picks", 1));
        return b;
    }

    /**
     * The truncated draw, as a branch returning [N, 1]; see the class comment.
     *
     * @param l      [N, V] logits / T, what the sort orders
     * @param p      [N, V] exp(l - max)
     * @param total  [N, 1] sum of p, float64
     * @param topKOn [1] top-k's k is below V (and above 0); {@code topPOn}, {@code minPOn} likewise
     */
    private GraphBuilder truncated(String l, String p, String total, int vocab, String topKOn, String topPOn,
                                   String minPOn) {
        GraphBuilder b = gb.subgraph("truncated");
        String axis1 = b.ints(1);
        String last = b.ints(-1);
        String end = b.ints(Long.MAX_VALUE);
        String limit = b.op("Where", in(topKOn, TOP_K, b.ints(vocab)));                            // [1] top-k's k, or V
        String[] candidates = b.ops("TopK", in(l, b.op("Min", in(limit, b.ints(CANDIDATES)))), 2,
                Attr.i("axis", 1));                                                                 // [N, C] x2, most likely first
        String candidateP = b.op("Cast", in(b.op("GatherElements", in(p, candidates[1]), Attr.i("axis", 1))),
                Attr.i("to", DOUBLE));                                                              // [N, C]
        // A row's kept prefix ends inside the candidates once top-p's mass is reached within them, or
        // once min-p's threshold is passed before their last one.
        String massReached = b.op("And", in(topPOn, b.op("GreaterOrEqual", in(b.op("Slice", in(
                b.op("CumSum", in(b.op("Div", in(candidateP, total)), b.scalarInt(1))), last, end, axis1)), TOP_P)))); // [N, 1]
        String minPPassed = b.op("And", in(minPOn, b.op("Less", in(
                b.op("Slice", in(candidateP, last, end, axis1)), MIN_P))));                         // [N, 1]
        String rowsPast = b.op("ReduceSum", in(b.op("Cast", in(b.op("Not", in(b.op("Or", in(massReached, minPPassed))))),
                Attr.i("to", INT64))), Attr.i("keepdims", 0));                                     // [] rows whose prefix may run past them
        String enough = b.op("Or", in(b.op("LessOrEqual", in(limit, b.ints(CANDIDATES))),
                b.op("Equal", in(rowsPast, b.scalarInt(0)))));                                      // [1]
        String order = b.op("If", in(enough), Attr.graph("then_branch", asIs(b, candidates[1])),
                Attr.graph("else_branch", sortedTokens(b, l, limit)));                              // [N, n] ids, most likely first

        String sorted = b.op("Cast", in(b.op("GatherElements", in(p, order), Attr.i("axis", 1))),
                Attr.i("to", DOUBLE));                                                              // [N, n] their p
        String n = b.op("Shape", in(order), Attr.i("start", 1));                                    // [1]
        String mass = b.op("CumSum", in(b.op("Div", in(sorted, total)), b.scalarInt(1)));          // [N, n] cumulative probability
        String byTopP = b.op("Where", in(topPOn, b.op("Min", in(b.op("Add", in(
                count(b, b.op("Less", in(mass, TOP_P))), b.ints(1))), n)), n));                     // [N, 1]
        // The top token's p is 1, so min-p keeps p_i >= min_p (all n when min_p is 0).
        String byMinP = count(b, b.op("GreaterOrEqual", in(sorted, MIN_P)));                        // [N, 1]
        String lastKept = b.op("Sub", in(b.op("Min", in(byTopP, byMinP)), b.ints(1)));              // [N, 1] (top-k: n is at most k)
        String running = b.op("CumSum", in(sorted, b.scalarInt(1)));                               // [N, n]
        String target = b.op("Mul", in(b.op("Unsqueeze", in(UNIFORMS, axis1)),
                b.op("GatherElements", in(running, lastKept), Attr.i("axis", 1))));                 // [N, 1] u * kept sum
        String position = b.op("Min", in(count(b, b.op("LessOrEqual", in(running, target))), lastKept)); // [N, 1]
        String drawn = b.op("GatherElements", in(order, position), Attr.i("axis", 1));              // [N, 1]
        b.output(GraphBuilder.value(drawn, TensorProto.DataType.INT64, "picks", 1));
        return b;
    }

    /** The greedy pick as a branch returning [N, 1]: the arg-max of {@code l} [N, V], the lowest index among ties (TopK's order). */
    private GraphBuilder argMax(String l) {
        GraphBuilder b = gb.subgraph("greedy");
        b.output(GraphBuilder.value(b.ops("TopK", in(l, b.ints(1)), 2, Attr.i("axis", 1))[1],
                TensorProto.DataType.INT64, "picks", 1));
        return b;
    }

    /** A branch returning {@code order} [N, C] unchanged: the candidates hold every kept prefix. */
    private static GraphBuilder asIs(GraphBuilder outer, String order) {
        GraphBuilder b = outer.subgraph("candidates");
        b.output(GraphBuilder.value(b.op("Identity", in(order)), TensorProto.DataType.INT64, "picks", "candidates"));
        return b;
    }

    /** A branch sorting each row of {@code l} [N, V]: its first {@code limit} [1] ids, most likely first, [N, limit]. */
    private static GraphBuilder sortedTokens(GraphBuilder outer, String l, String limit) {
        GraphBuilder b = outer.subgraph("sorted");
        String order = b.ops("TopK", in(l, limit), 2, Attr.i("axis", 1))[1];                       // [N, limit]
        b.output(GraphBuilder.value(order, TensorProto.DataType.INT64, "picks", "sorted"));
        return b;
    }

    /** Per row, how many entries of a boolean [N, M] are true: [N, 1] int64. */
    private static String count(GraphBuilder gb, String mask) {
        return gb.op("ReduceSum", in(gb.op("Cast", in(mask), Attr.i("to", INT64)),
                gb.ints(1)), Attr.i("keepdims", 1));
    }
}
