package dev.r1j.distill.onnx.internal;

import static dev.r1j.distill.onnx.internal.GraphBuilder.in;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.r1j.distill.onnx.internal.GraphBuilder.Attr;
import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.RotaryTables;
import dev.r1j.rl.model.TransformerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Writes a decoder of any family r1j implements (qwen2, llama, qwen3, mistral) as one ONNX graph
 * (opset 17, standard operators only; the in-memory {@link #rollout} graph, which only ONNX Runtime
 * runs, adds its {@code com.microsoft.RotaryEmbedding}) with the inputs and outputs Hugging Face Optimum
 * gives its "with past" decoder exports:
 *
 * <pre>
 * input_ids                   int64 [batch_size, sequence_length]
 * attention_mask              int64 [batch_size, total_sequence_length]   1 real token, 0 padding
 * position_ids                int64 [batch_size, sequence_length]
 * past_key_values.{i}.key     float [batch_size, kv_heads, past_sequence_length, head_dim]   (and .value)
 * logits                      float [batch_size, sequence_length, vocab_size]
 * present.{i}.key             float [batch_size, kv_heads, total_sequence_length, head_dim]  (and .value)
 * </pre>
 *
 * The math follows {@code CausalLm} operation for operation (same mask constant, same rotary tables,
 * rotary scaling included, same order of scaling, qwen3's per-head q/k norm, mistral's sliding window
 * in the mask), so logits agree to float rounding. The residual stream is kept as
 * [B*T, H] so that every projection is one {@code Gemm} on the Hugging Face [out, in] matrix
 * ({@code transB = 1}); q/k/v are fused by stacking their rows.
 *
 * <p>Weights are initializers of raw float32 data. A protobuf message cannot exceed 2 GiB, so above
 * {@link #DEFAULT_EXTERNAL_THRESHOLD} bytes of weights they go to ONNX external data instead: one file
 * {@code NAME.onnx.data} beside the model, each tensor 4096-byte aligned.
 */
public final class DecoderGraph {

    /** Weight bytes above which initializers are stored as external data. */
    public static final long DEFAULT_EXTERNAL_THRESHOLD = 1_800L << 20;

    /**
     * The rollout graph's int64 [1] input: how many of the cache's slots are filled (P). Its caches
     * {@code past_key_values.{i}.*} are [B, Hkv, C, D] slots of which the first P hold positions (the
     * mask's entries for the others are 0), and it returns only the new positions' keys and values,
     * {@code new_key_values.{i}.*} [B, Hkv, T, D], which the caller writes into slots P..P+T-1.
     */
    public static final String CACHE_LENGTH = "cache_length";

    /** The operator set the graph is written for. */
    public static final int OPSET = 17;

    /** Added to scores of keys a query must not see; the constant {@code CausalLm} uses. */
    private static final float MASKED = -1e9f;
    private static final int ALIGN = 4096;

    private DecoderGraph() {}

    /** What was written. */
    public record Written(Path model, Path externalData, long weightBytes) {}

    /**
     * Writes the graph of {@code config} with {@code weights} (Hugging Face names and layout) to
     * {@code onnxFile}, atomically (temporary file, then rename). External data, when used, is renamed
     * into place first, so a complete {@code .onnx} never points at a partial data file.
     */
    public static Written write(TransformerConfig config, HostWeights weights, Path onnxFile, long externalThreshold,
                                String producerVersion) {
        checkWeights(config, weights);
        long weightBytes = weightBytes(config);
        Path dataFile = onnxFile.resolveSibling(onnxFile.getFileName() + ".data");
        boolean external = weightBytes > externalThreshold;
        Path dataTmp = null;
        try {
            Files.createDirectories(onnxFile.toAbsolutePath().getParent());
            WeightSink sink;
            if (external) {
                dataTmp = Files.createTempFile(onnxFile.toAbsolutePath().getParent(), "." + dataFile.getFileName() + ".tmp-", "");
                sink = new ExternalSink(dataTmp, dataFile.getFileName().toString());
            } else {
                sink = new InlineSink();
            }
            ModelProto model;
            try (WeightSink s = sink) {
                model = ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("r1j")
                        .setProducerVersion(producerVersion)
                        .setDomain("dev.r1j")
                        .setDocString(config.family().name().toLowerCase(java.util.Locale.ROOT) + " decoder exported by r1j")
                        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                        .setGraph(buildGraph(config, weights, s, false).build())
                        .build();
            }
            if (external) {
                Files.move(dataTmp, dataFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dataTmp = null;
            } else {
                Files.deleteIfExists(dataFile); // a stale data file of an earlier, larger export
            }
            AtomicFiles.write(onnxFile, model::writeTo);
            return new Written(onnxFile, external ? dataFile : null, weightBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + onnxFile + ": " + e.getMessage(), e);
        } finally {
            if (dataTmp != null) {
                try {
                    Files.deleteIfExists(dataTmp);
                } catch (IOException ignored) {
                    // a leftover temporary is harmless and visibly named
                }
            }
        }
    }

    /** Bytes of float32 weights the rollout graph takes from its buffers: every tensor, fused as the graph fuses them. */
    public static long rolloutWeightBytes(TransformerConfig c) {
        long n = 0;
        for (long[] shape : c.hfShapes().values()) {
            long e = 1;
            for (long d : shape) {
                e *= d;
            }
            n += e;
        }
        if (c.queryKeyNorm()) { // one gain row per head instead of one q and one k row
            n += (long) c.numHiddenLayers() * (c.numAttentionHeads() + c.numKeyValueHeads() - 2L) * c.headDim();
        }
        return 4 * n;
    }

    /** Bytes of float32 weights the graph stores (fused matrices, rotary tables included). */
    static long weightBytes(TransformerConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long inter = c.intermediateSize();
        long perLayer = 2 * h + (q + 2 * kv) * h + q * h + 3 * inter * h + (c.queryKeyNorm() ? q + kv : 0);
        long n = (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2) + h + c.numHiddenLayers() * perLayer
                + 2L * c.maxPositionEmbeddings() * c.headDim();
        return 4 * n;
    }

    private static void checkWeights(TransformerConfig config, HostWeights weights) {
        for (var e : config.hfShapes().entrySet()) {
            if (!weights.names().contains(e.getKey())) {
                throw new BadInputException("the weights have no tensor '" + e.getKey() + "', which config.json implies");
            }
            long[] actual = weights.shape(e.getKey());
            if (!Arrays.equals(actual, e.getValue())) {
                throw new BadInputException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(actual)
                        + ", config.json implies " + Arrays.toString(e.getValue()));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The graph. Shapes: B batch, T new positions, P cached positions, S = P + T, H hidden size,
    // Hq query heads, Hkv key/value heads, G = Hq / Hkv, D head size, I intermediate size, V vocabulary.

    /**
     * @param rollout the in-memory rollout graph: project only each row's last new position ({@code logits}
     *                [B, V]) and sample from it ({@link SamplingTail}), and keep the key/value cache in
     *                slots the caller owns (see {@link #CACHE_LENGTH}); false writes Optimum's signature,
     *                [B, T, V] logits and {@code present.*} caches
     */
    private static GraphBuilder buildGraph(TransformerConfig c, HostWeights w, WeightSink sink, boolean rollout)
            throws IOException {
        int h = c.hiddenSize();
        int hq = c.numAttentionHeads();
        int hkv = c.numKeyValueHeads();
        int d = c.headDim();
        int g = c.queriesPerKeyValueHead();
        int inter = c.intermediateSize();
        int v = c.vocabSize();
        int maxPos = c.maxPositionEmbeddings();
        GraphBuilder gb = new GraphBuilder("r1j_decoder");
        var I64 = TensorProto.DataType.INT64;
        var F32 = TensorProto.DataType.FLOAT;

        gb.input(GraphBuilder.value("input_ids", I64, "batch_size", "sequence_length"));
        gb.input(GraphBuilder.value("attention_mask", I64, "batch_size", "total_sequence_length"));
        gb.input(GraphBuilder.value("position_ids", I64, "batch_size", "sequence_length"));
        String pastLength = rollout ? "cache_slots" : "past_sequence_length";
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            gb.input(GraphBuilder.value("past_key_values." + i + ".key", F32, "batch_size", hkv, pastLength, d));
            gb.input(GraphBuilder.value("past_key_values." + i + ".value", F32, "batch_size", hkv, pastLength, d));
        }
        if (rollout) {
            gb.input(GraphBuilder.value(CACHE_LENGTH, I64, 1));
            gb.output(GraphBuilder.value("logits", F32, "picks", v)); // the rows SamplingTail picks from
        } else {
            gb.output(GraphBuilder.value("logits", F32, "batch_size", "sequence_length", v));
        }
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            gb.output(GraphBuilder.value(presentKey(rollout, i), F32, "batch_size", hkv,
                    rollout ? "sequence_length" : "total_sequence_length", d));
            gb.output(GraphBuilder.value(presentValue(rollout, i), F32, "batch_size", hkv,
                    rollout ? "sequence_length" : "total_sequence_length", d));
        }

        String embed = sink.put(gb, "model.embed_tokens.weight", w.read("model.embed_tokens.weight"), v, h); // [V, H]
        String idsShape = gb.op("Shape", in("input_ids"));                                     // (B, T)
        String x = gb.op("Reshape", in(gb.op("Gather", in(embed, "input_ids"), Attr.i("axis", 0)),
                gb.ints(-1, h)));                                                                // [B*T, H]

        // Rotary tables for positions 0..max-1, the very floats CausalLm uses, gathered per token.
        float[] cosTable = new float[maxPos * d];
        float[] sinTable = new float[maxPos * d];
        long[] all = new long[maxPos];
        for (int p = 0; p < maxPos; p++) {
            all[p] = p;
        }
        new RotaryTables(c).fill(all, cosTable, sinTable);
        String cos = null;
        String sin = null;
        String cosHalf = null;
        String sinHalf = null;
        if (rollout) {
            // ONNX Runtime's RotaryEmbedding reads the half-size tables ([max, D/2]; the full rows repeat them).
            cosHalf = sink.put(gb, "rotary.cos_half", firstHalves(cosTable, maxPos, d), maxPos, d / 2);
            sinHalf = sink.put(gb, "rotary.sin_half", firstHalves(sinTable, maxPos, d), maxPos, d / 2);
        } else {
            String cosT = sink.put(gb, "rotary.cos", cosTable, maxPos, d);                      // [max, D]
            String sinT = sink.put(gb, "rotary.sin", sinTable, maxPos, d);
            String axis1 = gb.ints(1);
            cos = gb.op("Unsqueeze", in(gb.op("Gather", in(cosT, "position_ids"), Attr.i("axis", 0)), axis1)); // [B, 1, T, D]
            sin = gb.op("Unsqueeze", in(gb.op("Gather", in(sinT, "position_ids"), Attr.i("axis", 0)), axis1)); // [B, 1, T, D]
        }

        // Additive mask: query t (absolute position P + t) sees key s when s <= P + t and s is not padding.
        // The keys are the past's then the new positions'. In Optimum's graph the past holds the P cached
        // positions (S = P + T keys); in the rollout graph it holds C >= P slots of which the first P are
        // filled (S = C + T keys; the mask's entries for slots P.. are 0), so key positions are 0..C-1
        // and then P..P+T-1.
        String maskShape = gb.op("Shape", in("attention_mask"));                                // (B, S)
        String sLen = gb.op("Squeeze", in(gb.op("Slice", in(maskShape, gb.ints(1), gb.ints(2)))));  // S
        String tLen = gb.op("Squeeze", in(gb.op("Slice", in(idsShape, gb.ints(1), gb.ints(2)))));   // T
        String one = gb.scalarInt(1);
        String keyPos;                                                                              // [S]
        String queryPos;                                                                            // [T]
        String slots = null;                                                                        // [1] C
        if (rollout) {
            String pLen = gb.op("Squeeze", in(CACHE_LENGTH));                                       // P
            String cLen = gb.op("Sub", in(sLen, tLen));                                             // C
            slots = gb.op("Unsqueeze", in(cLen, gb.ints(0)));
            queryPos = gb.op("Range", in(pLen, gb.op("Add", in(pLen, tLen)), one));
            keyPos = gb.op("Concat", in(gb.op("Range", in(gb.scalarInt(0), cLen, one)), queryPos), Attr.i("axis", 0));
        } else {
            String pLen = gb.op("Sub", in(sLen, tLen));                                             // P
            keyPos = gb.op("Range", in(gb.scalarInt(0), sLen, one));
            queryPos = gb.op("Range", in(pLen, sLen, one));
        }
        String keyRow = gb.op("Unsqueeze", in(keyPos, gb.ints(0)));                                 // [1, S]
        String causal = gb.op("LessOrEqual", in(keyRow, gb.op("Unsqueeze", in(queryPos, gb.ints(1))))); // [T, S]
        if (c.hasSlidingWindow()) {
            // Mistral: query p also needs key s >= p - window + 1 (the last `window` positions, itself included).
            String first = gb.op("Sub", in(queryPos, gb.scalarInt(c.slidingWindow() - 1L)));       // [T]
            causal = gb.op("And", in(causal, gb.op("GreaterOrEqual", in(keyRow,
                    gb.op("Unsqueeze", in(first, gb.ints(1)))))));                                   // [T, S]
        }
        String real = gb.op("Unsqueeze", in(gb.op("Cast", in("attention_mask"),
                Attr.i("to", TensorProto.DataType.BOOL_VALUE)), gb.ints(1, 2)));                    // [B, 1, 1, S]
        String mask = gb.op("Where", in(gb.op("And", in(causal, real)), gb.scalarFloat(0f),
                gb.scalarFloat(MASKED)));                                                            // [B, 1, T, S]
        // Grouped queries are stacked along the position axis (row g*T + t is query t of group g),
        // so the mask repeats G times along that axis.
        if (g > 1) {
            mask = gb.op("Tile", in(mask, gb.ints(1, 1, g, 1)));                                      // [B, 1, G*T, S]
        }

        String qkShape = gb.op("Concat", in(idsShape, gb.ints(hq + hkv, d)), Attr.i("axis", 0)); // (B, T, Hq+Hkv, D)
        String kvShape = gb.op("Concat", in(idsShape, gb.ints(hkv, d)), Attr.i("axis", 0));      // (B, T, Hkv, D)
        String scale = gb.scalarFloat(1.0f / (float) Math.sqrt(d));
        String eps = gb.scalarFloat((float) c.rmsNormEps());
        String qkvSplit = gb.ints((long) (hq + hkv) * d, (long) hkv * d);
        String halfSplit = rollout ? null : gb.ints(d / 2, d / 2);
        String headSplit = gb.ints(hq, hkv);
        String groupShape = gb.ints(0, hkv, -1, d);
        String headsShape = gb.ints(0, hq, -1, d);
        String flatShape = gb.ints(-1, (long) hq * d);

        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            String p = "model.layers." + layer + ".";
            int q = hq * d;
            int kv = hkv * d;

            // Attention.
            String hNorm = rmsNorm(gb, x, sink.put(gb, p + "input_layernorm.weight", w.read(p + "input_layernorm.weight"), h), eps);
            String wQkv = sink.put(gb, p + "self_attn.qkv_proj.weight", concat(w.read(p + "self_attn.q_proj.weight"),
                    w.read(p + "self_attn.k_proj.weight"), w.read(p + "self_attn.v_proj.weight")), q + 2L * kv, h);
            String qkv;
            if (c.qkvBias()) {
                String bQkv = sink.put(gb, p + "self_attn.qkv_proj.bias", concat(w.read(p + "self_attn.q_proj.bias"),
                        w.read(p + "self_attn.k_proj.bias"), w.read(p + "self_attn.v_proj.bias")), q + 2L * kv);
                qkv = gb.op("Gemm", in(hNorm, wQkv, bQkv), Attr.i("transB", 1));                   // [B*T, (Hq+2Hkv) D]
            } else {
                qkv = gb.op("Gemm", in(hNorm, wQkv), Attr.i("transB", 1));
            }
            String[] qkAndV = gb.ops("Split", in(qkv, qkvSplit), 2, Attr.i("axis", 1));
            String qkHeads = gb.op("Reshape", in(qkAndV[0], qkShape));                              // [B, T, Hq+Hkv, D]
            if (c.queryKeyNorm()) {
                // Qwen3: RMSNorm of each query and key head over D; one gain row per head, q_norm then k_norm.
                float[] gain = new float[(hq + hkv) * d];
                float[] qGain = w.read(p + "self_attn.q_norm.weight");
                float[] kGain = w.read(p + "self_attn.k_norm.weight");
                for (int head = 0; head < hq + hkv; head++) {
                    System.arraycopy(head < hq ? qGain : kGain, 0, gain, head * d, d);
                }
                qkHeads = rmsNorm(gb, qkHeads, sink.put(gb, p + "self_attn.qk_norm.weight", gain, hq + hkv, d), eps);
            }
            String qk = gb.op("Transpose", in(qkHeads), Attr.ints("perm", 0, 2, 1, 3));             // [B, Hq+Hkv, T, D]
            // Rotary, rotate-half form, queries and keys together: x * cos + [-x2, x1] * sin.
            String qkRot;
            if (rollout) {
                // One kernel instead of six nodes (Split, Neg, Concat, two Mul, Add: 6.0 ms of a 428 ms
                // 64-row step of the 0.5 B shape, against 0.8 ms for the kernel); the same products and
                // sums, so equal to float rounding.
                qkRot = gb.opIn(GraphBuilder.MICROSOFT, "RotaryEmbedding", in(qk, "position_ids", cosHalf, sinHalf),
                        Attr.i("interleaved", 0));                                                  // [B, Hq+Hkv, T, D]
            } else {
                String[] halves = gb.ops("Split", in(qk, halfSplit), 2, Attr.i("axis", 3));        // [B, Hq+Hkv, T, D/2] x2
                String rotated = gb.op("Concat", in(gb.op("Neg", in(halves[1])), halves[0]), Attr.i("axis", 3));
                qkRot = gb.op("Add", in(gb.op("Mul", in(qk, cos)), gb.op("Mul", in(rotated, sin))));
            }
            String[] qAndK = gb.ops("Split", in(qkRot, headSplit), 2, Attr.i("axis", 1));
            String query = qAndK[0];                                                                 // [B, Hq, T, D]
            String key = qAndK[1];                                                                   // [B, Hkv, T, D]
            String value = gb.op("Transpose", in(gb.op("Reshape", in(qkAndV[1], kvShape))),
                    Attr.ints("perm", 0, 2, 1, 3));                                                  // [B, Hkv, T, D]
            // Grouped-query attention without copying keys: the G query heads sharing a key/value head
            // are stacked along the position axis.
            String qg = gb.op("Mul", in(gb.op("Reshape", in(query, groupShape)), scale));          // [B, Hkv, G*T, D]
            String attended;
            if (rollout) {
                // The new keys and values are outputs the caller writes into its slots; the past is read
                // where it lies. Scores against the C slots and the T new keys are joined (a small
                // [B, Hkv, G*T, S] tensor) instead of the keys (the whole cache, copied every step).
                gb.opNamed(presentKey(rollout, layer), "Identity", in(key));
                gb.opNamed(presentValue(rollout, layer), "Identity", in(value));
                String past = "past_key_values." + layer;
                String scores = gb.op("Add", in(gb.op("Concat", in(
                        gb.op("MatMul", in(qg, gb.op("Transpose", in(past + ".key"), Attr.ints("perm", 0, 1, 3, 2)))),
                        gb.op("MatMul", in(qg, gb.op("Transpose", in(key), Attr.ints("perm", 0, 1, 3, 2))))),
                        Attr.i("axis", 3)), mask));                                                  // [B, Hkv, G*T, C+T]
                String[] probs = gb.ops("Split", in(gb.op("Softmax", in(scores), Attr.i("axis", -1)),
                        gb.op("Concat", in(slots, gb.op("Unsqueeze", in(tLen, gb.ints(0)))), Attr.i("axis", 0))),
                        2, Attr.i("axis", 3));                                                       // [.., C], [.., T]
                attended = gb.op("Add", in(gb.op("MatMul", in(probs[0], past + ".value")),
                        gb.op("MatMul", in(probs[1], value))));                                      // [B, Hkv, G*T, D]
            } else {
                String keys = gb.opNamed(presentKey(rollout, layer), "Concat",
                        in("past_key_values." + layer + ".key", key), Attr.i("axis", 2));           // [B, Hkv, S, D]
                String values = gb.opNamed(presentValue(rollout, layer), "Concat",
                        in("past_key_values." + layer + ".value", value), Attr.i("axis", 2));       // [B, Hkv, S, D]
                String scores = gb.op("Add", in(gb.op("MatMul", in(qg, gb.op("Transpose", in(keys),
                        Attr.ints("perm", 0, 1, 3, 2)))), mask));                                    // [B, Hkv, G*T, S]
                String probs = gb.op("Softmax", in(scores), Attr.i("axis", -1));
                attended = gb.op("MatMul", in(probs, values));                                      // [B, Hkv, G*T, D]
            }
            attended = gb.op("Reshape", in(gb.op("Transpose", in(gb.op("Reshape", in(attended, headsShape))), // [B, Hq, T, D]
                    Attr.ints("perm", 0, 2, 1, 3)), flatShape));                                     // [B*T, Hq D]
            String out = projection(gb, c.outputProjectionBias(), sink, w, p + "self_attn.o_proj", attended, h, q); // [B*T, H]
            x = gb.op("Add", in(x, out));

            // SwiGLU MLP.
            String h2 = rmsNorm(gb, x, sink.put(gb, p + "post_attention_layernorm.weight",
                    w.read(p + "post_attention_layernorm.weight"), h), eps);
            // Gate and up as two products rather than one fused product and a Split: the Split copied
            // [B*T, 2I] every layer (12 ms of a 690 ms 64-row step of the 0.5 B shape), while the two
            // products run as fast as the fused one.
            String gate = projection(gb, c.mlpBias(), sink, w, p + "mlp.gate_proj", h2, inter, h);        // [B*T, I]
            String up = projection(gb, c.mlpBias(), sink, w, p + "mlp.up_proj", h2, inter, h);            // [B*T, I]
            String act = gb.op("Mul", in(gb.op("Mul", in(gate, gb.op("Sigmoid", in(gate)))), up));         // [B*T, I]
            String down = projection(gb, c.mlpBias(), sink, w, p + "mlp.down_proj", act, h, inter);         // [B*T, H]
            x = gb.op("Add", in(x, down));
        }

        String xn = rmsNorm(gb, x, sink.put(gb, "model.norm.weight", w.read("model.norm.weight"), h), eps); // [B*T, H]
        String head = c.tieWordEmbeddings() ? embed
                : sink.put(gb, "lm_head.weight", w.read("lm_head.weight"), v, h);                   // [V, H]
        if (rollout) {
            // Only the last new position of each row is sampled from: prefill projects B rows, not B*T.
            String rows = gb.op("Reshape", in(xn, gb.op("Concat", in(idsShape, gb.ints(h)), Attr.i("axis", 0)))); // [B, T, H]
            String last = gb.op("Gather", in(rows, gb.scalarInt(-1)), Attr.i("axis", 1));                    // [B, H]
            SamplingTail tail = SamplingTail.declare(gb);
            String picked = tail.pickedRows(last);                                                           // [N, H]
            gb.opNamed("logits", "Gemm", in(picked, head), Attr.i("transB", 1));                             // [N, V]
            tail.append("logits", v);
            return gb;
        }
        String flatLogits = gb.op("Gemm", in(xn, head), Attr.i("transB", 1));                    // [B*T, V]
        gb.opNamed("logits", "Reshape", in(flatLogits,
                gb.op("Concat", in(idsShape, gb.ints(v)), Attr.i("axis", 0))));                     // [B, T, V]
        return gb;
    }

    /** The name of layer {@code i}'s key output: the whole cache (Optimum) or the new positions only (rollout). */
    public static String presentKey(boolean rollout, int i) {
        return (rollout ? "new_key_values." : "present.") + i + ".key";
    }

    /** The name of layer {@code i}'s value output; see {@link #presentKey}. */
    public static String presentValue(boolean rollout, int i) {
        return (rollout ? "new_key_values." : "present.") + i + ".value";
    }

    /**
     * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * gain, as CausalLm computes it. The square
     * is a Pow by 2 so that ONNX Runtime recognises the pattern and runs the six nodes as one kernel.
     */
    private static String rmsNorm(GraphBuilder gb, String x, String gain, String eps) {
        String meanSquare = gb.op("ReduceMean", in(gb.op("Pow", in(x, gb.scalarFloat(2f)))), Attr.ints("axes", -1),
                Attr.i("keepdims", 1));
        String rms = gb.op("Sqrt", in(gb.op("Add", in(meanSquare, eps))));
        return gb.op("Mul", in(gb.op("Div", in(x, rms)), gain));
    }

    /**
     * {@code x} [B*T, in] times the Hugging Face weight {@code name.weight} [out, in] (transposed in the
     * Gemm), plus {@code name.bias} [out] where the family has biases there: [B*T, out].
     */
    private static String projection(GraphBuilder gb, boolean bias, WeightSink sink, HostWeights w, String name, String x,
                                     int out, int in) throws IOException {
        String weight = sink.put(gb, name + ".weight", w.read(name + ".weight"), out, in);
        return bias
                ? gb.op("Gemm", in(x, weight, sink.put(gb, name + ".bias", w.read(name + ".bias"), out)), Attr.i("transB", 1))
                : gb.op("Gemm", in(x, weight), Attr.i("transB", 1));
    }

    // ---------------------------------------------------------------------------------------------
    // The in-memory rollout graph: built once, its weights handed over from direct buffers.

    /**
     * A decoder graph without its weights, and the buffers that hold them.
     *
     * @param model   the serialized ModelProto: Optimum's decoder inputs with the cache in slots
     *                ({@link #CACHE_LENGTH}; the weights as inputs too with
     *                {@link dev.r1j.distill.onnx.WeightFeed#GRAPH_INPUTS}), {@code logits} of the last new
     *                position only [B, V], the new positions' keys and values, and {@link SamplingTail}'s
     *                inputs and picks
     * @param weights every weight tensor the graph reads (fused as the graph fuses them), by name, in a
     *                direct native-order buffer of float32 values
     * @param shapes  their shapes
     */
    public record Rollout(byte[] model, java.util.Map<String, java.nio.FloatBuffer> weights,
                          java.util.Map<String, long[]> shapes) {
        /** Bytes the weight buffers hold. */
        public long weightBytes() {
            long n = 0;
            for (java.nio.FloatBuffer b : weights.values()) {
                n += 4L * b.capacity();
            }
            return n;
        }
    }

    /**
     * Builds the rollout graph of {@code config} in memory and fills its weight buffers from {@code w}
     * (read one tensor at a time). Constants that never change (the rotary tables) stay inline.
     */
    public static Rollout rollout(TransformerConfig config, HostWeights w, dev.r1j.distill.onnx.WeightFeed feed, String producerVersion) {
        checkWeights(config, w);
        BufferSink sink = new BufferSink(feed, null);
        try {
            GraphBuilder gb = buildGraph(config, w, sink, true);
            for (var e : sink.shapes.entrySet()) {
                if (feed == dev.r1j.distill.onnx.WeightFeed.GRAPH_INPUTS) {
                    gb.input(GraphBuilder.value(e.getKey(), TensorProto.DataType.FLOAT, (Object[]) box(e.getValue())));
                }
            }
            ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("r1j")
                    .setProducerVersion(producerVersion).setDomain("dev.r1j")
                    .setDocString("r1j rollout decoder (weights supplied in memory)")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(GraphBuilder.MICROSOFT).setVersion(1))
                    .setGraph(gb.build()).build();
            return new Rollout(model.toByteArray(), java.util.Collections.unmodifiableMap(sink.buffers),
                    java.util.Collections.unmodifiableMap(sink.shapes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code w}'s current values into {@code rollout}'s buffers, tensor by tensor, in place. */
    public static void refill(TransformerConfig config, HostWeights w, Rollout rollout) {
        try {
            buildGraph(config, w, new BufferSink(null, rollout.weights()), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object[] box(long[] dims) {
        Object[] o = new Object[dims.length];
        for (int i = 0; i < dims.length; i++) {
            o[i] = dims[i];
        }
        return o;
    }

    /**
     * Weights into direct buffers: declares each one (an external initializer, or nothing for a graph
     * input, declared afterwards) and allocates its buffer; or, given the buffers, only refills them.
     */
    private static final class BufferSink implements WeightSink {
        private final dev.r1j.distill.onnx.WeightFeed feed;                       // null: refill only
        private final java.util.Map<String, java.nio.FloatBuffer> buffers;
        private final java.util.Map<String, long[]> shapes = new java.util.LinkedHashMap<>();

        BufferSink(dev.r1j.distill.onnx.WeightFeed feed, java.util.Map<String, java.nio.FloatBuffer> existing) {
            this.feed = feed;
            this.buffers = existing != null ? existing : new java.util.LinkedHashMap<>();
        }

        @Override
        public String put(GraphBuilder gb, String name, float[] values, long... dims) {
            boolean constant = name.startsWith("rotary.");
            if (feed == null) {
                if (!constant) {
                    java.nio.FloatBuffer b = buffers.get(name);
                    if (b == null || b.capacity() != values.length) {
                        throw new IllegalStateException("the rollout graph has no weight '" + name + "' of "
                                + values.length + " values");
                    }
                    b.put(0, values);
                }
                return name;
            }
            if (constant) {
                gb.initializer(GraphBuilder.inlineFloats(name, values, dims));
                return name;
            }
            if ((long) values.length * 4 > Integer.MAX_VALUE) {
                throw new BadInputException("weight '" + name + "' is " + values.length * 4L + " bytes; ONNX Runtime rollouts "
                        + "hand each tensor over in one buffer of at most 2 GiB");
            }
            java.nio.FloatBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            b.put(0, values);
            buffers.put(name, b);
            shapes.put(name, dims.clone());
            if (feed == dev.r1j.distill.onnx.WeightFeed.EXTERNAL_INITIALIZERS) {
                // Declared external so that ONNX Runtime takes the data from the session options.
                TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(ExternalSink.entry("location", "r1j-rollout-weights"))
                        .addExternalData(ExternalSink.entry("offset", "0"))
                        .addExternalData(ExternalSink.entry("length", Long.toString(values.length * 4L)));
                for (long d : dims) {
                    t.addDims(d);
                }
                gb.initializer(t.build());
            }
            return name;
        }

        @Override
        public void close() {}
    }

    /** Where weight data goes: inline in the protobuf, or appended to an external data file. */
    private interface WeightSink extends AutoCloseable {
        /** Adds an initializer {@code name} of shape {@code dims} and returns its name. */
        String put(GraphBuilder gb, String name, float[] values, long... dims) throws IOException;

        @Override
        void close() throws IOException;
    }

    private static final class InlineSink implements WeightSink {
        @Override
        public String put(GraphBuilder gb, String name, float[] values, long... dims) {
            gb.initializer(GraphBuilder.inlineFloats(name, values, dims));
            return name;
        }

        @Override
        public void close() {}
    }

    private static final class ExternalSink implements WeightSink {
        private static final int CHUNK_FLOATS = 1 << 16;
        private final FileChannel channel;
        private final OutputStream out;
        private final String location;
        private long offset;

        ExternalSink(Path file, String location) throws IOException {
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
            this.out = java.nio.channels.Channels.newOutputStream(channel);
            this.location = location;
        }

        @Override
        public String put(GraphBuilder gb, String name, float[] values, long... dims) throws IOException {
            long pad = (ALIGN - offset % ALIGN) % ALIGN;
            out.write(new byte[(int) pad]);
            offset += pad;
            // In chunks: a large embedding's bytes can exceed what one Java array holds.
            ByteBuffer bytes = ByteBuffer.allocate(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at < values.length; at += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, values.length - at);
                bytes.clear();
                bytes.asFloatBuffer().put(values, at, n);
                out.write(bytes.array(), 0, n * 4);
            }
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location))
                    .addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(values.length * 4L)));
            for (long d : dims) {
                t.addDims(d);
            }
            gb.initializer(t.build());
            offset += values.length * 4L;
            return name;
        }

        private static StringStringEntryProto entry(String k, String v) {
            return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
        }

        @Override
        public void close() throws IOException {
            out.flush();
            channel.force(true);
            out.close();
        }
    }

    /** The first {@code d / 2} columns of each of {@code rows} rows of a [rows, d] table. */
    private static float[] firstHalves(float[] table, int rows, int d) {
        float[] out = new float[rows * (d / 2)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(table, r * d, out, r * (d / 2), d / 2);
        }
        return out;
    }

    /** The arrays one after the other: how q/k/v weights are fused, as the DJL engine fuses them. */
    private static float[] concat(float[]... parts) {
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
}
