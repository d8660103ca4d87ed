package dev.r1j.samples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.MatmulPrecision;
import dev.r1j.rl.model.TransformerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measurements of the engine and the model core on this machine, in one run so that ratios between
 * them are meaningful: the fp32 GEMM ceiling, training throughput and MFU against it, and generation
 * throughput at batch 1 and at a rollout batch size.
 */
public final class EngineBench {

    /** The bench model of the performance goals: hidden 256, 4 layers, 4 heads, vocab 64. */
    public static TransformerConfig benchModel() {
        return TransformerConfig.builder().vocabSize(64).hiddenSize(256).intermediateSize(1024).numHiddenLayers(4)
                .numAttentionHeads(4).numKeyValueHeads(4).maxPositionEmbeddings(1024).tieWordEmbeddings(true).build();
    }

    private final boolean quick;
    private final Consumer<String> progress;

    public EngineBench(boolean quick, Consumer<String> progress) {
        this.quick = quick;
        this.progress = progress;
    }

    /**
     * Peak fp32 matrix-product rate of the engine in GFLOP/s: the best of square products and of the
     * rectangular shapes a training step of the bench model runs ([tokens, 256] x [256, 1024] and its
     * transposes), forward only. The best shape is the ceiling that utilisation is measured against.
     */
    public Map<String, Object> gemmCeiling() {
        return gemmCeiling(MatmulPrecision.FP32);
    }

    /**
     * As {@link #gemmCeiling()}, with the engine's products of float32 arrays in {@code precision} for
     * the measurement (the previous precision again afterwards): with BF16 the rate of bfloat16 arithmetic on this
     * CPU's bf16 units, fed and read in float32 as r1j's arrays are.
     */
    public Map<String, Object> gemmCeiling(MatmulPrecision precision) {
        return MatmulPrecision.with(precision,
                () -> gemmCeilingNow(precision == MatmulPrecision.FP32 ? "gemm" : "bf16-product gemm"));
    }

    private Map<String, Object> gemmCeilingNow(String label) {
        Map<String, Object> out = new LinkedHashMap<>();
        int[][] shapes = gemmShapes(quick);
        double best = 0;
        String bestShape = "";
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] mkn : shapes) {
                NDArray a = m.randomNormal(new Shape(mkn[0], mkn[1]));
                NDArray b = m.randomNormal(new Shape(mkn[1], mkn[2]));
                double flops = 2.0 * mkn[0] * mkn[1] * mkn[2];
                // The CPU engine computes synchronously: the product is done when matMul returns.
                Runnable product = () -> a.matMul(b).close();
                product.run();
                double rate = flops * measure(product, quick ? 0.5 : 2.0);
                String name = mkn[0] + "x" + mkn[1] + "x" + mkn[2];
                progress.accept(String.format("%s %s: %.1f GFLOP/s", label, name, rate / 1e9));
                out.put("gemm_" + name + "_gflops", round(rate / 1e9));
                if (rate > best) {
                    best = rate;
                    bestShape = name;
                }
            }
        }
        out.put("ceiling_gflops", round(best / 1e9));
        out.put("ceiling_shape", bestShape);
        return out;
    }

    /** The [M, K, N] products every GEMM ceiling is the best of, on any engine. */
    static int[][] gemmShapes(boolean quick) {
        return quick
                ? new int[][] {{1024, 1024, 1024}, {2048, 256, 1024}, {2048, 1024, 256}}
                : new int[][] {{512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048}, {2048, 256, 1024},
                    {2048, 1024, 256}, {4096, 256, 1024}, {256, 2048, 1024}};
    }

    /** Forward + backward of next-token loss on the bench model: tokens/s, achieved GFLOP/s. */
    public Map<String, Object> training(int batch, int seqLen) {
        return training(batch, seqLen, MatmulPrecision.FP32);
    }

    /** As {@link #training(int, int)} with the engine's products in {@code precision} (the previous precision again afterwards). */
    public Map<String, Object> training(int batch, int seqLen, MatmulPrecision precision) {
        return MatmulPrecision.with(precision, () -> trainingNow(batch, seqLen, precision));
    }

    private Map<String, Object> trainingNow(int batch, int seqLen, MatmulPrecision precision) {
        TransformerConfig c = benchModel();
        Map<String, Object> out = new LinkedHashMap<>();
        try (CausalLm model = CausalLm.randomInit(c, 1)) {
            List<NDArray> params = model.parameters();
            params.forEach(p -> p.setRequiresGradient(true));
            SplittableRandom rng = new SplittableRandom(2);
            int[] ids = new int[batch * (seqLen + 1)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rng.nextInt(c.vocabSize());
            }
            long[] pos = new long[batch * seqLen];
            float[] keep = new float[batch * seqLen];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = i % seqLen;
                keep[i] = 1f;
            }
            Engines.gradMode(true);
            Runnable step = () -> {
                try (NDManager s = model.manager().newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray all = s.create(ids, new Shape(batch, seqLen + 1));
                    NDArray input = all.get(":, :-1");                      // [B, T]
                    NDArray target = all.get(":, 1:").toType(DataType.INT64, false);
                    NDArray logits = model.forward(input, pos, keep, null); // [B, T, V]
                    NDArray loss = CausalLm.tokenLogProbs(logits, target).mean().neg();
                    gc.backward(loss);
                    loss.toFloatArray();
                }
                Engines.zeroGradients(params);
            };
            step.run(); // warm-up
            double stepsPerSecond = measure(step, quick ? 2.0 : 6.0);
            double tokensPerSecond = stepsPerSecond * batch * seqLen;
            double flopsPerToken = 3.0 * c.forwardFlopsPerToken(seqLen);
            out.put("model_parameters", c.parameterCount());
            out.put("batch", batch);
            out.put("sequence", seqLen);
            out.put("tokens_per_second", round(tokensPerSecond));
            out.put("train_flops_per_token", (long) flopsPerToken);
            out.put("achieved_gflops", round(tokensPerSecond * flopsPerToken / 1e9));
            out.put("matmul_precision", precision.name());
            progress.accept(String.format("training batch %d x %d, %s products: %.0f tokens/s, %.1f GFLOP/s", batch, seqLen,
                    precision, tokensPerSecond, tokensPerSecond * flopsPerToken / 1e9));
            Engines.gradMode(false);
        }
        return out;
    }

    /** Sampling {@code newTokens} tokens per row after a 16-token prompt, EOS disabled so every row runs to length. */
    public Map<String, Object> generation(int batch, int newTokens) {
        try (CausalLm model = CausalLm.randomInit(benchModel(), 1)) {
            return generation(new DecodingLoop(model, -1, 0, ids -> ""), "djl", batch, newTokens, quick, progress);
        }
    }

    /**
     * The generation figure on any engine's loop: the same prompts (16 random tokens of the bench
     * model's vocabulary per row), the same sampling and timing rule, so engines differ only by engine.
     */
    static Map<String, Object> generation(DecodingLoop loop, String engine, int batch, int newTokens, boolean quick,
                                          Consumer<String> progress) {
        SplittableRandom rng = new SplittableRandom(3);
        List<int[]> prompts = new ArrayList<>();
        long[] keys = new long[batch];
        int[] index = new int[batch];
        for (int r = 0; r < batch; r++) {
            prompts.add(rng.ints(16, 0, benchModel().vocabSize()).toArray());
            keys[r] = r;
            index[r] = r;
        }
        SamplingParams params = SamplingParams.builder().maxNewTokens(newTokens).temperature(1.0).seed(4).build();
        loop.run(prompts.subList(0, Math.min(batch, 2)), keys, index, params); // warm-up
        double callsPerSecond = measure(() -> loop.run(prompts, keys, index, params), quick ? 2.0 : 5.0);
        double tokensPerSecond = callsPerSecond * batch * newTokens;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", engine);
        out.put("batch", batch);
        out.put("new_tokens", newTokens);
        out.put("tokens_per_second", round(tokensPerSecond));
        // A decoded token costs one forward pass at its context length; the mean context of a row is the
        // prompt plus half the new tokens. The prefill of the prompts is not counted: a lower bound.
        long flopsPerToken = benchModel().forwardFlopsPerToken(16 + newTokens / 2);
        out.put("flops_per_token", flopsPerToken);
        out.put("achieved_gflops", round(tokensPerSecond * flopsPerToken / 1e9));
        progress.accept(String.format("%s generation batch %d: %.0f tokens/s", engine, batch, tokensPerSecond));
        return out;
    }

    /** Peak resident set size of this process in bytes, from /proc (0 where unavailable). */
    public static long peakRssBytes() {
        return Math.max(0, dev.r1j.rl.run.MachineMemory.processPeakResidentBytes());
    }

    /**
     * Runs {@code task} in several timing windows that together last about {@code seconds}, and returns
     * the best window's runs per second. The machines this runs on are shared: the best window is the
     * closest estimate of what the code itself achieves, and using the same rule for the ceiling and for
     * the workloads keeps their ratio fair.
     */
    static double measure(Runnable task, double seconds) {
        int windows = 5;
        long windowNanos = (long) (seconds / windows * 1e9);
        double best = 0;
        for (int w = 0; w < windows; w++) {
            long start = System.nanoTime();
            int runs = 0;
            long now;
            do {
                task.run();
                runs++;
                now = System.nanoTime();
            } while (now - start < windowNanos);
            best = Math.max(best, runs / ((now - start) / 1e9));
        }
        return best;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
