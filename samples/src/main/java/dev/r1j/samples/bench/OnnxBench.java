package dev.r1j.samples.bench;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.distill.onnx.OnnxModel;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Generation on ONNX Runtime against the DJL figures of {@link EngineBench}: the same bench model
 * (random weights of the same seed, exported to ONNX), the same prompts, the same decoding loop and
 * sampling settings, so the two tokens/s figures differ only by engine.
 */
public final class OnnxBench implements AutoCloseable {

    private final boolean quick;
    private final Consumer<String> progress;
    private final Path dir;
    private final OnnxModel onnx;

    public OnnxBench(boolean quick, Consumer<String> progress) {
        this.quick = quick;
        this.progress = progress;
        TransformerConfig c = EngineBench.benchModel();
        try {
            dir = Files.createTempDirectory("r1j-onnx-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path file = dir.resolve("model.onnx");
        try (CausalLm model = CausalLm.randomInit(c, 1)) { // the weights EngineBench.generation uses
            OnnxExporter.export(model, null, null, file, true); // no tokenizer: the loop is fed ids
        }
        onnx = OnnxModel.load(file);
    }

    /** Sampling {@code newTokens} tokens per row after a 16-token prompt, EOS disabled, as EngineBench does. */
    public Map<String, Object> generation(int batch, int newTokens) {
        return EngineBench.generation(new DecodingLoop(onnx.backend(), -1, 0, ids -> ""), "onnxruntime", batch, newTokens,
                quick, progress);
    }

    /**
     * The GEMM ceiling measured outside MKL: ONNX Runtime's MatMul (its MLAS kernels pick AVX-512 on any
     * x86 vendor) on a one-node graph, inputs in direct buffers so no copy is timed, on the shapes and
     * with the timing rule of {@link EngineBench#gemmCeiling()}, each shape in both {@link Operands}
     * forms (the right-hand matrix fed with every run, and pre-packed with a pinned output, as the
     * rollout graph's weights are). fp32 always; bf16 is attempted and,
     * where this build of ONNX Runtime has no kernel for it, reported as unavailable with the engine's
     * own message rather than as a rate.
     */
    public static Map<String, Object> gemmCeiling(boolean quick, Consumer<String> progress) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> fp32 = gemm(TensorProto.DataType.FLOAT, EngineBench.gemmShapes(quick), quick, progress);
        out.putAll(fp32);
        // One square shape decides whether bf16 runs at all; the full sweep only where it does.
        Map<String, Object> bf16 = gemm(TensorProto.DataType.BFLOAT16, new int[][] {{1024, 1024, 1024}}, quick, progress);
        if (bf16.containsKey("unavailable")) {
            out.put("bf16_unavailable", bf16.get("unavailable"));
        } else {
            bf16 = gemm(TensorProto.DataType.BFLOAT16, EngineBench.gemmShapes(quick), quick, progress);
            for (Map.Entry<String, Object> e : bf16.entrySet()) {
                out.put("bf16_" + e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** How a ceiling product gets its right-hand matrix and its output. */
    private enum Operands {
        /** b fed as an input with every run, c allocated by ONNX Runtime every run. */
        INPUTS(""),
        /**
         * b an initializer, which MLAS packs once at session creation, and c a pinned output reused
         * every run: the form of the rollout graph's products (weights as initializers), so that the
         * ceiling is never below what the decoder's own products reach.
         */
        PREPACKED("_prepacked");

        final String suffix;

        Operands(String suffix) {
            this.suffix = suffix;
        }
    }

    private static Map<String, Object> gemm(TensorProto.DataType type, int[][] shapes, boolean quick, Consumer<String> progress) {
        Map<String, Object> out = new LinkedHashMap<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String label = type == TensorProto.DataType.FLOAT ? "fp32" : "bf16";
        double best = 0;
        String bestShape = "";
        for (int[] mkn : shapes) {
            for (Operands operands : Operands.values()) {
                String name = mkn[0] + "x" + mkn[1] + "x" + mkn[2] + operands.suffix;
                try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                    opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
                    opts.setInterOpNumThreads(1);
                    ByteBuffer bValues = randomValues(type, mkn[1], mkn[2], 6);
                    boolean prepacked = operands == Operands.PREPACKED;
                    try (OrtSession session = env.createSession(matMulModel(type, mkn, prepacked ? bValues : null), opts);
                         OnnxTensor a = tensor(env, type, randomValues(type, mkn[0], mkn[1], 5), mkn[0], mkn[1]);
                         OnnxTensor b = tensor(env, type, bValues, mkn[1], mkn[2]);
                         OnnxTensor c = tensor(env, type, ByteBuffer.allocateDirect(mkn[0] * mkn[2] * bytes(type))
                                 .order(ByteOrder.nativeOrder()), mkn[0], mkn[2])) {
                        Map<String, OnnxTensor> feed = prepacked ? Map.of("a", a) : Map.of("a", a, "b", b);
                        Map<String, OnnxTensor> pinned = prepacked ? Map.of("c", c) : Map.of();
                        Set<String> fetched = prepacked ? Set.of() : Set.of("c");
                        Runnable product = () -> {
                            try (OrtSession.Result r = session.run(feed, fetched, pinned)) {
                                // The product is complete when run returns; the output stays in native memory.
                            } catch (OrtException e) {
                                throw new IllegalStateException(e);
                            }
                        };
                        product.run();
                        double rate = 2.0 * mkn[0] * mkn[1] * mkn[2] * EngineBench.measure(product, quick ? 0.5 : 2.0);
                        progress.accept(String.format("onnxruntime %s gemm %s: %.1f GFLOP/s", label, name, rate / 1e9));
                        out.put("gemm_" + name + "_gflops", EngineBench.round(rate / 1e9));
                        if (rate > best) {
                            best = rate;
                            bestShape = name;
                        }
                    }
                } catch (OrtException e) {
                    String why = "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + " has no " + label
                            + " MatMul kernel on its CPU execution provider: " + e.getMessage().lines().findFirst().orElse("");
                    progress.accept(why);
                    return Map.of("unavailable", why);
                }
            }
        }
        out.put("ceiling_gflops", EngineBench.round(best / 1e9));
        out.put("ceiling_shape", bestShape);
        return out;
    }

    /**
     * A graph of one node, {@code c = MatMul(a, b)}, with a [M, K], b [K, N] and c [M, N] of {@code type};
     * b is an input, or an initializer of {@code bValues} when those are given.
     */
    private static byte[] matMulModel(TensorProto.DataType type, int[] mkn, ByteBuffer bValues) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("gemm")
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul").addInput("a").addInput("b").addOutput("c"))
                .addInput(matrix("a", type, mkn[0], mkn[1]))
                .addOutput(matrix("c", type, mkn[0], mkn[2]));
        if (bValues == null) {
            graph.addInput(matrix("b", type, mkn[1], mkn[2]));
        } else {
            ByteBuffer little = bValues.duplicate().order(ByteOrder.LITTLE_ENDIAN); // ONNX raw data is little-endian
            little.rewind();
            graph.addInitializer(TensorProto.newBuilder().setName("b").setDataType(type.getNumber())
                    .addDims(mkn[1]).addDims(mkn[2]).setRawData(com.google.protobuf.ByteString.copyFrom(little)));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("r1j-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExporter.OPSET))
                .setGraph(graph).build().toByteArray();
    }

    private static ValueInfoProto matrix(String name, TensorProto.DataType type, long rows, long cols) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(rows))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(cols)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    private static int bytes(TensorProto.DataType type) {
        return type == TensorProto.DataType.FLOAT ? 4 : 2;
    }

    /** [rows, cols] values uniform in [-1, 1) of {@code type}, in a direct native-order buffer. */
    private static ByteBuffer randomValues(TensorProto.DataType type, int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = rows * cols;
        boolean f32 = type == TensorProto.DataType.FLOAT;
        ByteBuffer buf = ByteBuffer.allocateDirect(n * bytes(type)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            float v = (float) (rng.nextDouble() * 2 - 1);
            if (f32) {
                buf.putFloat(v);
            } else {
                buf.putShort((short) (Float.floatToIntBits(v) >>> 16)); // bf16: the high half of the fp32 bits
            }
        }
        buf.rewind();
        return buf;
    }

    /** A [rows, cols] tensor over {@code values} (zero-copy into ONNX Runtime). */
    private static OnnxTensor tensor(OrtEnvironment env, TensorProto.DataType type, ByteBuffer values, int rows, int cols)
            throws OrtException {
        long[] shape = {rows, cols};
        return type == TensorProto.DataType.FLOAT ? OnnxTensor.createTensor(env, values.asFloatBuffer(), shape)
                : OnnxTensor.createTensor(env, values, shape, OnnxJavaType.BFLOAT16);
    }

    @Override
    public void close() {
        onnx.close();
        AtomicFiles.deleteRecursivelyQuietly(dir);
    }
}
