package dev.r1j.distill.onnx.internal;

import static dev.r1j.distill.onnx.internal.GraphBuilder.in;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.r1j.distill.onnx.internal.GraphBuilder.Attr;

/**
 * The rollout graph's last nodes: one pick per requested row from the logits, on ONNX Runtime, so a
 * decoding step hands back B ids and log-probs instead of [B, V] logits. It is the untruncated rule
 * of the DJL engine's sampler ({@code TokenSampler}): {@code p_i = exp((l_i - max) / T)}, the draw is
 * the first token whose running sum of p exceeds {@code u * sum(p)}, running sums taken blockwise
 * (block sums in float64, then the running sum inside the chosen block only). Here the temperature
 * divides the hidden state before the head rather than the logits after it, and the exponentials
 * and the block sums are float32, so a draw can differ from the DJL sampler's only where {@code u}
 * falls within rounding of a boundary between two tokens. Greedy picks are the arg-max with their
 * log-probability at temperature 1, as the DJL sampler reports them.
 *
 * <p>Inputs: {@value #ROWS} int64 [N] (which row of the last hidden states each pick reads: at
 * prefill, a prompt's row for each of its samples; the head projects only those), {@value #UNIFORMS}
 * float64 [N], {@value #TEMPERATURE} float32 [1] (0 for greedy). Outputs: {@value #TOKENS} int64 [N]
 * and {@value #LOG_PROBS} float32 [N]; the graph's {@code logits} are those of the picked rows,
 * divided by the temperature (by 1 when greedy).
 */
final class SamplingTail {

    static final String ROWS = "sample_rows";
    static final String UNIFORMS = "sample_uniforms";
    static final String TEMPERATURE = "sample_temperature";
    static final String TOKENS = "sampled_tokens";
    static final String LOG_PROBS = "sampled_log_probs";

    /** Longest block of the running sum: the largest divisor of V up to this (the whole row when V is prime). */
    static final int MAX_BLOCK = 1024;

    private final GraphBuilder gb;
    /** [1] bool: temperature 0, a greedy pick. */
    private final String greedy;

    private SamplingTail(GraphBuilder gb) {
        this.gb = gb;
        gb.input(GraphBuilder.value(ROWS, TensorProto.DataType.INT64, "picks"));
        gb.input(GraphBuilder.value(UNIFORMS, TensorProto.DataType.DOUBLE, "picks"));
        gb.input(GraphBuilder.value(TEMPERATURE, TensorProto.DataType.FLOAT, 1));
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
        int blocks = vocab / k;
        String axis1 = gb.ints(1);
        String axis2 = gb.ints(2);

        String l = logits;                                                                         // [N, V] logits / T
        // The largest logit and its index in one pass: the shift of every row, and the greedy pick.
        String[] top = gb.ops("TopK", in(l, gb.ints(1)), 2, Attr.i("axis", 1));                   // [N, 1] x2
        String max = top[0];                                                                        // [N, 1]
        String z = gb.op("Sub", in(l, max));                                                       // [N, V] (logits - max) / T
        String p = gb.op("Reshape", in(gb.op("Exp", in(z)), gb.ints(0, blocks, k)));               // [N, V/k, k]
        String blockSums = gb.op("Cast", in(gb.op("ReduceSum", in(p, axis2), Attr.i("keepdims", 0))),
                Attr.i("to", TensorProto.DataType.DOUBLE_VALUE));                                   // [N, V/k] f64
        String ends = gb.op("CumSum", in(blockSums, gb.scalarInt(1)));                            // [N, V/k] running sums at block ends
        String total = gb.op("Slice", in(ends, gb.ints(-1), gb.ints(Long.MAX_VALUE), axis1));      // [N, 1]
        String target = gb.op("Mul", in(gb.op("Unsqueeze", in(UNIFORMS, axis1)), total));         // [N, 1]
        String block = gb.op("Min", in(count(gb, gb.op("LessOrEqual", in(ends, target))),
                gb.ints(blocks - 1L)));                                                             // [N, 1]
        // The running sum before each block: the block ends shifted one to the right, 0 first.
        String starts = gb.op("Pad", in(gb.op("Slice", in(ends, gb.ints(0), gb.ints(-1), axis1)),
                gb.ints(0, 1, 0, 0)));                                                              // [N, V/k]
        String before = gb.op("GatherElements", in(starts, block), Attr.i("axis", 1));             // [N, 1]
        String index = gb.op("Expand", in(gb.op("Unsqueeze", in(block, axis2)), gb.ints(1, 1, k))); // [N, 1, k]
        String inside = gb.op("Add", in(gb.op("CumSum", in(gb.op("Cast", in(gb.op("Squeeze", in(
                gb.op("GatherElements", in(p, index), Attr.i("axis", 1)), axis1))),
                Attr.i("to", TensorProto.DataType.DOUBLE_VALUE)), gb.scalarInt(1))), before));      // [N, k] running sums in the block
        String position = gb.op("Min", in(count(gb, gb.op("LessOrEqual", in(inside, target))),
                gb.ints(k - 1L)));                                                                  // [N, 1]
        String drawn = gb.op("Add", in(gb.op("Mul", in(block, gb.ints(k))), position));            // [N, 1]
        String token = gb.op("Where", in(greedy, top[1], drawn));                                   // [N, 1] (TopK: the lowest index among ties)
        gb.opNamed(TOKENS, "Squeeze", in(token, axis1));                                            // [N]
        // log p(token) = (l_token - max) / T - log(sum p), the sum in float64.
        String chosen = gb.op("Cast", in(gb.op("GatherElements", in(z, token), Attr.i("axis", 1))),
                Attr.i("to", TensorProto.DataType.DOUBLE_VALUE));                                   // [N, 1]
        String logProb = gb.op("Sub", in(chosen, gb.op("Log", in(total))));                        // [N, 1]
        gb.opNamed(LOG_PROBS, "Squeeze", in(gb.op("Cast", in(logProb), Attr.i("to", TensorProto.DataType.FLOAT_VALUE)), axis1)); // [N]
    }

    /** Per row, how many entries of a boolean [N, M] are true: [N, 1] int64. */
    private static String count(GraphBuilder gb, String mask) {
        return gb.op("ReduceSum", in(gb.op("Cast", in(mask), Attr.i("to", TensorProto.DataType.INT64_VALUE)),
                gb.ints(1)), Attr.i("keepdims", 1));
    }
}
