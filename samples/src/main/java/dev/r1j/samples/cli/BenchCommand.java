package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.MatmulPrecision;
import dev.r1j.samples.bench.CheckpointBench;
import dev.r1j.samples.bench.EngineBench;
import dev.r1j.samples.bench.GrpoBench;
import dev.r1j.samples.bench.OnnxBench;
import dev.r1j.samples.bench.RewardBench;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code r1j bench}: performance figures of this machine and this build, as a table and as JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the fp32 GEMM ceiling of the DJL engine and of ONNX Runtime, and the bf16 ceiling (the "
                + "DJL engine's bfloat16 products of float32 arrays, on CPUs with avx512_bf16 or amx_bf16), "
                + "training throughput and MFU against the higher fp32 ceiling (and, with bf16 products, against the bf16 one), "
                + "generation tokens/s at batch 1 and 64 on DJL and on ONNX Runtime (the same model exported), math verdicts/s, sandboxed executions/s, the GRPO step split "
                + "(generation / scoring / optimisation) on the shipped teacher base, and peak memory; "
                + "prints a table and writes JSON."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Shorter measurements (seconds instead of a minute or two).")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the JSON (default: ${DEFAULT-VALUE}).",
            defaultValue = "bench.json")
    Path out;

    @Option(names = "--ceiling-only", description = "Measure only the GEMM ceilings (DJL engine and ONNX Runtime) "
            + "and stop: a quick check of what the engine's products reach, with or without the MKL shim.")
    boolean ceilingOnly;

    @Option(names = "--train-batch", description = "Sequences per training step (default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int trainBatch;

    @Option(names = "--rollout-batch", description = "Rows of the batched generation run (default: ${DEFAULT-VALUE}).",
            defaultValue = "64")
    int rolloutBatch;

    @Option(names = "--model", paramLabel = "DIR", description = "Also measure this checkpoint: one GRPO step "
            + "(4 prompts x 4 completions x 64 new tokens on gsm8k, micro-batch 2, no KL) in full fine-tuning, with a "
            + "rank-16 LoRA adapter, with LoRA and gradient checkpointing, with LoRA, F16 and gradient checkpointing, "
            + "and with BF16, each in its own JVM (peak RSS and the seconds of each phase); decoding 64 rows x 128 "
            + "tokens; and an 8 x 8 x 256 LoRA step per rollout engine (DJL, ONNX Runtime), each against the ceiling.")
    Path model;

    @Option(names = "--model-only", description = "With --model: measure the ceilings and that checkpoint only.")
    boolean modelOnly;

    @Option(names = "--decode-only", description = "With --model: measure the ceilings and that checkpoint's "
            + "decoding (64 rows x 128 tokens per engine) only: minutes instead of the hour the GRPO steps take on a "
            + "0.5 B shape.")
    boolean decodeOnly;

    @Override
    public Integer call() throws Exception {
        if (trainBatch < 1 || rolloutBatch < 1) {
            throw new dev.r1j.common.BadInputException("--train-batch and --rollout-batch must be >= 1");
        }
        if (model != null && !java.nio.file.Files.isDirectory(model)) {
            throw new dev.r1j.common.BadInputException("--model: " + model + " is not a model directory");
        }
        if ((modelOnly || decodeOnly) && model == null) {
            throw new dev.r1j.common.BadInputException((decodeOnly ? "--decode-only" : "--model-only") + " needs --model DIR");
        }
        EngineBench bench = new EngineBench(quick, line -> System.err.println("bench: " + line));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("created", Instant.now().toString());
        result.put("quick", quick);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("java", System.getProperty("java.version"));
        Map<String, Object> gemm = bench.gemmCeiling();
        result.put("gemm", gemm);
        Map<String, Object> bf16Gemm = bf16Ceiling(bench);
        result.put("gemm_bf16_products", bf16Gemm);
        Map<String, Object> ortGemm = OnnxBench.gemmCeiling(quick, line -> System.err.println("bench: " + line));
        result.put("gemm_onnxruntime", ortGemm);
        if (ceilingOnly) {
            Map<String, Object> ceilings = ceilings((double) gemm.get("ceiling_gflops"), bf16Gemm, ortGemm);
            result.put("ceiling", ceilings);
            AtomicFiles.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result) + "\n");
            ceilingRows(gemm, ortGemm, ceilings, 44).forEach(System.out::println);
            System.out.println("written: " + out);
            return R1j.EXIT_OK;
        }
        if (modelOnly || decodeOnly) {
            Map<String, Object> ceilings = ceilings((double) gemm.get("ceiling_gflops"), bf16Gemm, ortGemm);
            result.put("ceiling", ceilings);
            List<String> rows = measureModel(result, ceilings);
            result.put("peak_rss_mib", EngineBench.peakRssBytes() / (1024 * 1024));
            AtomicFiles.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result) + "\n");
            ceilingRows(gemm, ortGemm, ceilings, 52).forEach(System.out::println);
            rows.forEach(System.out::println);
            System.out.println("written: " + out);
            return R1j.EXIT_OK;
        }
        Map<String, Object> train = bench.training(trainBatch, 256);
        double ceiling = (double) gemm.get("ceiling_gflops");
        double achieved = (double) train.get("achieved_gflops");
        result.put("training", train);
        // The same training step with bfloat16 products, where this CPU has the units for them.
        Map<String, Object> trainBf16 = bf16Gemm.containsKey("ceiling_gflops")
                ? bench.training(trainBatch, 256, MatmulPrecision.BF16) : Map.of("unavailable", bf16Gemm.get("unavailable"));
        result.put("training_bf16_products", trainBf16);
        Map<String, Object> gen1 = bench.generation(1, 128);
        Map<String, Object> genN = bench.generation(rolloutBatch, 128);
        // The ceilings are measured again after the workloads; the best of both runs is each ceiling, so
        // a noisy neighbour during the first measurement cannot make utilisation look better than it is.
        Map<String, Object> again = bench.gemmCeiling();
        if ((double) again.get("ceiling_gflops") > ceiling) {
            ceiling = (double) again.get("ceiling_gflops");
            gemm.put("ceiling_gflops", ceiling);
            gemm.put("ceiling_shape", again.get("ceiling_shape"));
        }
        keepHigherCeiling(ortGemm, OnnxBench.gemmCeiling(quick, line -> System.err.println("bench: " + line)));
        if (bf16Gemm.containsKey("ceiling_gflops")) {
            keepHigherCeiling(bf16Gemm, bench.gemmCeiling(MatmulPrecision.BF16));
        }
        train.put("mfu_vs_ceiling", Math.round(achieved / ceiling * 1000) / 1000.0);
        Map<String, Object> ceilings = ceilings(ceiling, bf16Gemm, ortGemm);
        result.put("ceiling", ceilings);
        for (Map<String, Object> workload : List.of(train, gen1, genN)) {
            putMfu(workload, ceilings);
        }
        if (trainBf16.containsKey("achieved_gflops")) {
            putMfu(trainBf16, ceilings);
            trainBf16.put("vs_fp32_products", Math.round((double) trainBf16.get("tokens_per_second")
                    / (double) train.get("tokens_per_second") * 100) / 100.0);
        }
        result.put("generation_batch_1", gen1);
        result.put("generation_batch_" + rolloutBatch, genN);
        double ratio = (double) genN.get("tokens_per_second") / (double) gen1.get("tokens_per_second");
        result.put("generation_batch_speedup", Math.round(ratio * 10) / 10.0);
        // The same model, prompts and decoding loop on ONNX Runtime (the bench model exported to ONNX).
        Map<String, Object> ort1;
        Map<String, Object> ortN;
        try (OnnxBench onnx = new OnnxBench(quick, line -> System.err.println("bench: " + line))) {
            ort1 = onnx.generation(1, 128);
            ortN = onnx.generation(rolloutBatch, 128);
        }
        double ortVsDjl1 = (double) ort1.get("tokens_per_second") / (double) gen1.get("tokens_per_second");
        double ortVsDjlN = (double) ortN.get("tokens_per_second") / (double) genN.get("tokens_per_second");
        ort1.put("vs_djl", Math.round(ortVsDjl1 * 100) / 100.0);
        ortN.put("vs_djl", Math.round(ortVsDjlN * 100) / 100.0);
        result.put("onnx_generation_batch_1", ort1);
        result.put("onnx_generation_batch_" + rolloutBatch, ortN);
        RewardBench rewards = new RewardBench(quick, line -> System.err.println("bench: " + line));
        Map<String, Object> verifier = rewards.verifier();
        Map<String, Object> sandbox = rewards.sandbox();
        result.put("math_verifier", verifier);
        result.put("sandbox", sandbox);
        Map<String, Object> grpo = new GrpoBench(quick, line -> System.err.println("bench: " + line)).stepSplit();
        result.put("grpo_step", grpo);
        Map<String, Object> rollouts = new GrpoBench(quick, line -> System.err.println("bench: " + line)).rolloutEngines();
        result.put("grpo_rollout_engines", rollouts);
        Map<String, Object> feeds = new GrpoBench(quick, line -> System.err.println("bench: " + line)).rolloutFeeds();
        result.put("onnx_rollout_weight_feeds", feeds);
        List<String> modelRows = model == null ? List.of() : measureModel(result, ceilings);
        result.put("peak_rss_mib", EngineBench.peakRssBytes() / (1024 * 1024));

        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result);
        AtomicFiles.writeString(out, json + "\n");
        System.out.printf("%-44s %12s%n", "figure", "value");
        ceilingRows(gemm, ortGemm, ceilings, 44).forEach(System.out::println);
        System.out.printf("%-44s %12.0f%n", "training tokens/s (bench model, seq 256)", (double) train.get("tokens_per_second"));
        System.out.printf("%-44s %12.1f%n", "training achieved (GFLOP/s)", achieved);
        System.out.printf("%-44s %11.1f%%%n", "training MFU vs the DJL engine's ceiling", achieved / ceiling * 100);
        System.out.printf("%-44s %11.1f%%%n", "training MFU vs the fp32 ceiling", 100 * (double) train.get("mfu_fp32"));
        if (trainBf16.containsKey("achieved_gflops")) {
            System.out.printf("%-44s %12.0f%n", "training tokens/s, bf16 products", (double) trainBf16.get("tokens_per_second"));
            System.out.printf("%-44s %11.1f%%%n", "training MFU vs the bf16 ceiling, bf16 products",
                    100 * (double) trainBf16.get("mfu_bf16"));
            System.out.printf("%-44s %11.2fx%n", "training, bf16 products vs fp32", (double) trainBf16.get("vs_fp32_products"));
        }
        System.out.printf("%-44s %12.0f%n", "generation tokens/s, batch 1", (double) gen1.get("tokens_per_second"));
        System.out.printf("%-44s %12.0f%n", "generation tokens/s, batch " + rolloutBatch, (double) genN.get("tokens_per_second"));
        System.out.printf("%-44s %11.1f%%%n", "generation MFU vs the fp32 ceiling, batch 1", 100 * (double) gen1.get("mfu_fp32"));
        System.out.printf("%-44s %11.1f%%%n", "generation MFU vs the fp32 ceiling, batch " + rolloutBatch,
                100 * (double) genN.get("mfu_fp32"));
        System.out.printf("%-44s %11.1fx%n", "batch speed-up", ratio);
        System.out.printf("%-44s %12.0f%n", "ONNX Runtime generation tokens/s, batch 1", (double) ort1.get("tokens_per_second"));
        System.out.printf("%-44s %12.0f%n", "ONNX Runtime generation tokens/s, batch " + rolloutBatch,
                (double) ortN.get("tokens_per_second"));
        System.out.printf("%-44s %11.2fx%n", "ONNX Runtime vs DJL, batch 1", ortVsDjl1);
        System.out.printf("%-44s %11.2fx%n", "ONNX Runtime vs DJL, batch " + rolloutBatch, ortVsDjlN);
        System.out.printf("%-44s %12.0f%n", "math verdicts/s, GSM8K reference solutions",
                (double) verifier.get("gsm8k_reference_solutions_per_second"));
        System.out.printf("%-44s %12.0f%n", "math verdicts/s, LaTeX answers", (double) verifier.get("latex_answers_per_second"));
        System.out.printf("%-44s %12.1f%n", "slowest verdict (ms)", (double) verifier.get("slowest_verdict_ms"));
        if (sandbox.containsKey("unavailable")) {
            System.out.printf("%-44s %12s%n", "sandboxed executions/s", "no sandbox");
        } else {
            System.out.printf("%-44s %12.1f%n", "sandboxed executions/s, 1 worker", (double) sandbox.get("executions_per_second_workers_1"));
            System.out.printf("%-44s %12.1f%n", "sandboxed executions/s, 2 workers", (double) sandbox.get("executions_per_second_workers_2"));
        }
        if (grpo.containsKey("unavailable")) {
            System.out.printf("%-44s %12s%n", "GRPO step", "no builtin model");
        } else {
            System.out.printf("%-44s %12.2f%n", "GRPO step seconds (16 x 8 completions)", (double) grpo.get("step_seconds"));
            System.out.printf("%-44s %12.2f%n", "  generation seconds", (double) grpo.get("generation_seconds"));
            System.out.printf("%-44s %12.2f%n", "  scoring seconds", (double) grpo.get("scoring_seconds"));
            System.out.printf("%-44s %12.2f%n", "  optimisation seconds", (double) grpo.get("optimisation_seconds"));
            System.out.printf("%-44s %11.0f%%%n", "  generation share of the step", 100 * (double) grpo.get("generation_share"));
        }
        GrpoBench.rolloutRows(rollouts).forEach(System.out::println);
        GrpoBench.feedRows(feeds).forEach(System.out::println);
        modelRows.forEach(System.out::println);
        System.out.printf("%-44s %12d%n", "peak RSS (MiB)", (long) result.get("peak_rss_mib"));
        System.out.println("written: " + out);
        return R1j.EXIT_OK;
    }

    /**
     * The sections of {@code --model}, added to {@code result} (JSON keys {@code model_grpo_step},
     * {@code model_decode}, {@code model_rollout_engines}); returns their table rows.
     */
    private List<String> measureModel(Map<String, Object> result, Map<String, Object> ceilings) {
        double fp32Ceiling = (double) ceilings.get("fp32_gflops");
        Double bf16Ceiling = (Double) ceilings.get("bf16_gflops");
        CheckpointBench checkpoint = new CheckpointBench(line -> System.err.println("bench: " + line));
        if (decodeOnly) {
            Map<String, Object> decode = checkpoint.decode(model, fp32Ceiling, bf16Ceiling);
            result.put("model_decode", decode);
            return CheckpointBench.decodeRows(decode);
        }
        Map<String, Object> steps = checkpoint.steps(model);
        result.put("model_grpo_step", steps);
        Map<String, Object> decode = checkpoint.decode(model, fp32Ceiling, bf16Ceiling);
        result.put("model_decode", decode);
        Map<String, Object> rollouts = checkpoint.rolloutStep(model, fp32Ceiling);
        result.put("model_rollout_engines", rollouts);
        List<String> rows = new java.util.ArrayList<>(CheckpointBench.stepRows(steps));
        rows.addAll(CheckpointBench.decodeRows(decode));
        rows.addAll(CheckpointBench.rolloutRows(rollouts));
        return rows;
    }

    /**
     * The DJL engine's ceiling with bfloat16 products of float32 arrays ({@link MatmulPrecision#BF16}, its
     * only bf16 route: BFLOAT16 arrays end the JVM), or, where they are refused (a CPU without bfloat16
     * units, a PyTorch build without the switch), the refusal's reason.
     */
    private static Map<String, Object> bf16Ceiling(EngineBench bench) {
        Map<String, Object> out;
        try {
            out = bench.gemmCeiling(MatmulPrecision.BF16);
        } catch (IllegalStateException e) {
            Map<String, Object> none = new LinkedHashMap<>();
            none.put("unavailable", e.getMessage());
            return none;
        }
        out.put("note", "float32 arrays multiplied with bfloat16 arithmetic and float32 sums (oneDNN)");
        return out;
    }

    /** The table's ceiling rows. */
    private static List<String> ceilingRows(Map<String, Object> gemm, Map<String, Object> ortGemm,
                                            Map<String, Object> ceilings, int width) {
        String f = "%-" + width + "s %12s";
        List<String> rows = new java.util.ArrayList<>();
        rows.add(String.format(f, "fp32 GEMM ceiling, DJL engine (GFLOP/s)", String.format("%.1f", (double) gemm.get("ceiling_gflops"))));
        rows.add(String.format(f, "fp32 GEMM ceiling, ONNX Runtime (GFLOP/s)",
                String.format("%.1f", (double) ortGemm.get("ceiling_gflops"))));
        Object bf16 = ceilings.get("bf16_gflops");
        rows.add(String.format(f, "bf16 GEMM ceiling (GFLOP/s)",
                bf16 == null ? "unavailable" : String.format("%.1f (%s)", (double) bf16, ceilings.get("bf16_engine"))));
        return rows;
    }

    /** Keeps, in {@code kept}, the rates of {@code again} where its ceiling is the higher. */
    private static void keepHigherCeiling(Map<String, Object> kept, Map<String, Object> again) {
        if ((double) again.get("ceiling_gflops") > (double) kept.get("ceiling_gflops")) {
            kept.put("ceiling_gflops", again.get("ceiling_gflops"));
            kept.put("ceiling_shape", again.get("ceiling_shape"));
        }
        if (again.containsKey("bf16_ceiling_gflops")
                && (double) again.get("bf16_ceiling_gflops") > (double) kept.get("bf16_ceiling_gflops")) {
            kept.put("bf16_ceiling_gflops", again.get("bf16_ceiling_gflops"));
            kept.put("bf16_ceiling_shape", again.get("bf16_ceiling_shape"));
        }
    }

    /**
     * The ceilings utilisation is measured against: per precision, the higher of the DJL engine's and
     * ONNX Runtime's (MLAS, which does not go through MKL), with the engine that reached it; a precision
     * no engine here can multiply in gets a null rate and each engine's reason.
     */
    private static Map<String, Object> ceilings(double djlFp32, Map<String, Object> djlBf16, Map<String, Object> ort) {
        Map<String, Object> out = new LinkedHashMap<>();
        double ortFp32 = (double) ort.get("ceiling_gflops");
        out.put("fp32_gflops", Math.max(djlFp32, ortFp32));
        out.put("fp32_engine", ortFp32 > djlFp32 ? "onnxruntime" : "djl-pytorch");
        Map<String, Object> unavailable = new LinkedHashMap<>();
        Double bf16 = null;
        String engine = null;
        if (djlBf16.containsKey("ceiling_gflops")) {
            bf16 = (double) djlBf16.get("ceiling_gflops");
            engine = "djl-pytorch";
        } else {
            unavailable.put("djl-pytorch", djlBf16.get("unavailable"));
        }
        if (ort.containsKey("bf16_ceiling_gflops")) {
            double ortBf16 = (double) ort.get("bf16_ceiling_gflops");
            if (bf16 == null || ortBf16 > bf16) {
                bf16 = ortBf16;
                engine = "onnxruntime";
            }
        } else {
            unavailable.put("onnxruntime", ort.get("bf16_unavailable"));
        }
        out.put("bf16_gflops", bf16);
        out.put("bf16_engine", engine);
        out.put("bf16_unavailable", unavailable);
        return out;
    }

    /** Adds {@code mfu_fp32} and {@code mfu_bf16} (null without a bf16 ceiling) from its achieved_gflops. */
    private static void putMfu(Map<String, Object> workload, Map<String, Object> ceilings) {
        double achieved = (double) workload.get("achieved_gflops");
        workload.put("mfu_fp32", Math.round(achieved / (double) ceilings.get("fp32_gflops") * 1000) / 1000.0);
        Object bf16 = ceilings.get("bf16_gflops");
        workload.put("mfu_bf16", bf16 == null ? null : Math.round(achieved / (double) bf16 * 1000) / 1000.0);
    }
}
