package dev.r1j.samples.bench;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.distill.onnx.OrtRolloutGenerator;
import dev.r1j.distill.onnx.WeightFeed;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.MatmulPrecision;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.MachineMemory;
import dev.r1j.rl.run.MemoryEstimate;
import dev.r1j.report.MetricsTable;
import dev.r1j.samples.cli.R1j;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code r1j bench --model DIR}: what a checkpoint of real shape costs on this machine, measured
 * against the ceilings of the same bench run.
 *
 * <ul>
 *   <li>{@link #steps}: one GRPO step of the shape the memory targets are stated for ({@value #PROMPTS}
 *       prompts x {@value #GROUP} completions x {@value #NEW_TOKENS} new tokens on gsm8k, micro-batch
 *       {@value #MICRO_BATCH}, no KL) per memory configuration, each through {@code r1j grpo} in a JVM
 *       of its own so that its peak RSS is its own;</li>
 *   <li>{@link #decode}: sampling {@value #DECODE_ROWS} rows x {@value #DECODE_TOKENS} new tokens, the
 *       rollout shape of the speed targets, on the DJL engine and on ONNX Runtime with either weight feed;</li>
 *   <li>{@link #rolloutStep}: one GRPO step of {@value #ROLLOUT_PROMPTS} x {@value #ROLLOUT_GROUP} x
 *       {@value #ROLLOUT_TOKENS} (rank-{@value #LORA_RANK} LoRA, gradient checkpointing) per rollout
 *       engine, its sampling, log-prob recompute and optimisation apart, each against the ceiling.</li>
 * </ul>
 */
public final class CheckpointBench {

    static final int PROMPTS = 4;
    static final int GROUP = 4;
    static final int NEW_TOKENS = 64;
    static final int MICRO_BATCH = 2;
    static final int LORA_RANK = 16;

    static final int DECODE_ROWS = 64;
    static final int DECODE_TOKENS = 128;

    static final int ROLLOUT_PROMPTS = 8;
    static final int ROLLOUT_GROUP = 8;
    static final int ROLLOUT_TOKENS = 256;
    static final int ROLLOUT_MICRO_BATCH = 4;

    /** Prompt tokens the memory estimate assumes for gsm8k (its longest prompts with the template). */
    private static final int GSM8K_PROMPT_TOKENS = 256;

    /** Memory the estimate does not count: the JVM, its heap and the engine's libraries (measured: 0.7-1 GB). */
    private static final long RUNTIME_BYTES = 1L << 30;

    /**
     * A memory configuration of {@link #steps}: its JSON key, the lines it adds to the {@code grpo:}
     * section and its extra {@code r1j grpo} arguments.
     */
    private record Configuration(String key, String grpoYaml, List<String> arguments) {
        boolean fullFineTuning() {
            return !arguments.contains("--lora-rank");
        }
    }

    private static final String RANK = String.valueOf(LORA_RANK);
    private static final List<Configuration> CONFIGURATIONS = List.of(
            new Configuration("full_fine_tuning", "", List.of()),
            new Configuration("lora_rank_16", "", List.of("--lora-rank", RANK)),
            new Configuration("lora_rank_16_gradient_checkpointing", ", gradient_checkpointing: true",
                    List.of("--lora-rank", RANK)),
            new Configuration("lora_rank_16_f16_gradient_checkpointing", ", gradient_checkpointing: true",
                    List.of("--lora-rank", RANK, "--precision", "F16")),
            new Configuration("lora_rank_16_bf16", "", List.of("--lora-rank", RANK, "--precision", "BF16")));

    private final Consumer<String> progress;

    public CheckpointBench(Consumer<String> progress) {
        this.progress = progress;
    }

    /**
     * One GRPO step on {@code model} per configuration, each in a forked JVM with this JVM's options:
     * the settings, and per configuration {@code peak_rss_mib} (the child's VmHWM, which includes
     * loading the model and writing the step's checkpoint), {@code step_seconds},
     * {@code generation_seconds}, {@code scoring_seconds}, {@code optimisation_seconds} (from the run's
     * {@code metrics.jsonl}) and {@code process_seconds} (the child's wall time); {@code refused} with
     * the reason when the run refused the setting before any work (exit 2, as BF16 is on this engine);
     * {@code skipped} when full fine-tuning's estimate does not fit the machine's memory (the child would
     * only be killed); {@code failed} with the exit code and last output lines otherwise.
     */
    public Map<String, Object> steps(Path model) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.toAbsolutePath().toString());
        out.put("task", "gsm8k");
        out.put("prompts_per_step", PROMPTS);
        out.put("group_size", GROUP);
        out.put("max_new_tokens", NEW_TOKENS);
        out.put("micro_batch_size", MICRO_BATCH);
        out.put("beta", 0.0);
        TransformerConfig shape = TransformerConfig.read(model.resolve("config.json"));
        GrpoConfig full = GrpoConfig.builder().steps(1).promptsPerStep(PROMPTS).groupSize(GROUP).maxNewTokens(NEW_TOKENS)
                .microBatchSize(MICRO_BATCH).beta(0.0).build();
        long fullPeak = MemoryEstimate.grpo(shape, full, GSM8K_PROMPT_TOKENS).withRuntime(RUNTIME_BYTES).peakBytes();
        long machine = MachineMemory.current().totalBytes();
        Path dir = tempDirectory("r1j-model-bench");
        try {
            for (Configuration c : CONFIGURATIONS) {
                if (c.fullFineTuning() && fullPeak > machine) {
                    out.put(c.key(), Map.of("skipped", String.format("estimated peak %.1f GB (with 1 GB for the runtime) "
                            + "exceeds this machine's %.1f GB", fullPeak / 1e9, machine / 1e9)));
                    continue;
                }
                progress.accept("GRPO step on " + model + ": " + c.key().replace('_', ' ') + " (" + PROMPTS + " x " + GROUP
                        + " x " + NEW_TOKENS + " tokens, micro-batch " + MICRO_BATCH + ", own JVM)");
                String yaml = "task: gsm8k\ngrpo: {steps: 1, prompts_per_step: " + PROMPTS + ", group_size: " + GROUP
                        + ", max_new_tokens: " + NEW_TOKENS + ", micro_batch_size: " + MICRO_BATCH
                        + ", beta: 0.0, checkpoint_every: 1, samples_per_step: 0" + c.grpoYaml() + "}\n";
                out.put(c.key(), runChild(model, dir, c.key(), yaml, c.arguments()));
            }
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(dir);
        }
        return out;
    }

    /** Prompts of {@link #decode}: eight GSM8K-like questions, each sampled {@value #DECODE_ROWS} / 8 times. */
    private static final List<String> DECODE_PROMPTS = List.of(
            "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many?",
            "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?",
            "Betty is saving money for a new wallet which costs $100. She has only half of the money she needs.",
            "James writes a 3-page letter to 2 different friends twice a week. How many pages does he write a year?",
            "Mark has a garden with flowers. He planted plants of three different colors in it. Ten of them are yellow.",
            "Albert is wondering how much pizza he can eat in one day. He buys 2 large pizzas and 2 small pizzas.",
            "Ken created a care package to send to his brother, who was away at boarding school. He placed a box on a scale.",
            "Alexis is applying for a new job and bought a new set of business clothes to wear to the interview.");

    /** The engines {@link #decode} measures, by JSON key: DJL, and ONNX Runtime with either weight feed. */
    enum DecodeEngine {
        DJL("djl"),
        /** The DJL engine with bfloat16 products of its float32 arrays ({@link MatmulPrecision#BF16}). */
        DJL_BF16_PRODUCTS("djl_bf16_products"),
        ONNX_RUNTIME_EXTERNAL_INITIALIZERS("onnx_runtime_external_initializers"),
        ONNX_RUNTIME_GRAPH_INPUTS("onnx_runtime_graph_inputs");

        final String key;

        DecodeEngine(String key) {
            this.key = key;
        }

        Generator open(Checkpoint cp) {
            return switch (this) {
                case DJL, DJL_BF16_PRODUCTS -> new DjlGenerator(cp.model(), cp.tokenizer(), DECODE_ROWS);
                case ONNX_RUNTIME_EXTERNAL_INITIALIZERS -> new OrtRolloutGenerator(cp.model(), cp.tokenizer(), DECODE_ROWS,
                        WeightFeed.EXTERNAL_INITIALIZERS, 0);
                case ONNX_RUNTIME_GRAPH_INPUTS -> new OrtRolloutGenerator(cp.model(), cp.tokenizer(), DECODE_ROWS,
                        WeightFeed.GRAPH_INPUTS, 0);
            };
        }
    }

    /**
     * Sampling {@value #DECODE_ROWS} rows (eight prompts, eight samples each, one shared prefill per
     * prompt) of up to {@value #DECODE_TOKENS} new tokens from {@code model} at temperature 1, after a
     * short warm-up, on each {@link DecodeEngine} in turn: tokens/s (tokens actually generated over the
     * whole call, prefill included), and the achieved rate counting 2 x parameters FLOPs a token (the
     * issue's convention; attention over the context is left out), against the fp32 ceiling
     * {@code ceilingGflops} measured in the same run. For ONNX Runtime also the seconds of one weight
     * hand-over ({@code weightsChanged}: refilling its buffers, and with external initializers a new
     * session that pre-packs them) and the bytes of its copy of the weights.
     */
    public Map<String, Object> decode(Path model, double ceilingGflops, Double bf16CeilingGflops) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", DECODE_ROWS);
        out.put("max_new_tokens", DECODE_TOKENS);
        int samples = DECODE_ROWS / DECODE_PROMPTS.size();
        try (Checkpoint cp = Checkpoint.load(model)) {
            long parameters = cp.model().config().parameterCount();
            out.put("parameters", parameters);
            for (DecodeEngine engine : DecodeEngine.values()) {
                progress.accept("decoding " + DECODE_ROWS + " rows x " + DECODE_TOKENS + " tokens on " + model + " with "
                        + engine.key.replace('_', ' '));
                boolean bf16 = engine == DecodeEngine.DJL_BF16_PRODUCTS;
                if (bf16 && bf16CeilingGflops == null) {
                    out.put(engine.key, Map.of("unavailable", "this CPU has no bfloat16 units (avx512_bf16 or amx_bf16)"));
                    continue;
                }
                // Each row in its own precision (the DJL row in float32 whatever the environment asked for).
                out.put(engine.key, MatmulPrecision.with(bf16 ? MatmulPrecision.BF16 : MatmulPrecision.FP32,
                        () -> decodeRow(engine, cp, samples, parameters, ceilingGflops, bf16 ? bf16CeilingGflops : null)));
            }
        }
        return out;
    }

    /** One engine's row of {@link #decode}: its rates, or why it failed. */
    private static Map<String, Object> decodeRow(DecodeEngine engine, Checkpoint cp, int samples, long parameters,
                                                 double ceilingGflops, Double bf16CeilingGflops) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (Generator generator = engine.open(cp)) {
            generator.generate(DECODE_PROMPTS, samples, SamplingParams.builder().maxNewTokens(4).temperature(1.0).seed(4).build());
            long start = System.nanoTime();
            List<dev.r1j.rl.generate.Completion> completions = generator.generate(DECODE_PROMPTS, samples,
                    SamplingParams.builder().maxNewTokens(DECODE_TOKENS).temperature(1.0).seed(4).build());
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = completions.stream().mapToLong(dev.r1j.rl.generate.Completion::length).sum();
            double tokensPerSecond = tokens / seconds;
            double gflops = tokensPerSecond * 2.0 * parameters / 1e9;
            row.put("generated_tokens", tokens);
            row.put("seconds", EngineBench.round(seconds));
            row.put("tokens_per_second", EngineBench.round(tokensPerSecond));
            row.put("achieved_gflops", EngineBench.round(gflops));
            row.put("fraction_of_fp32_ceiling", Math.round(gflops / ceilingGflops * 1000) / 1000.0);
            if (bf16CeilingGflops != null) {
                row.put("fraction_of_bf16_ceiling", Math.round(gflops / bf16CeilingGflops * 1000) / 1000.0);
            }
            if (generator instanceof OrtRolloutGenerator ort) {
                long handOver = System.nanoTime();
                ort.weightsChanged();
                row.put("weight_hand_over_seconds", EngineBench.round((System.nanoTime() - handOver) / 1e9));
                row.put("engine_weight_bytes", ort.weightBytes());
            }
        } catch (Exception e) {
            row.put("failed", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return row;
    }

    /**
     * One GRPO step of {@value #ROLLOUT_PROMPTS} x {@value #ROLLOUT_GROUP} x {@value #ROLLOUT_TOKENS} on gsm8k
     * (rank-{@value #LORA_RANK} LoRA, gradient checkpointing, micro-batch {@value #ROLLOUT_MICRO_BATCH}, no KL)
     * per rollout engine, each in a JVM of its own: the seconds of the weight hand-over, sampling, the
     * trainer's log-prob recompute and optimisation, with the rate of each against {@code ceilingGflops}
     * (the run's cost ledger: 2 x parameters FLOPs a generated token; for optimisation the ledger's
     * full-fine-tuning convention of 6 x parameters a trained token, which overstates what a LoRA
     * backward pass computes), and the child's peak RSS.
     */
    public Map<String, Object> rolloutStep(Path model, double ceilingGflops) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shape", ROLLOUT_PROMPTS + " x " + ROLLOUT_GROUP + " x " + ROLLOUT_TOKENS);
        Path dir = tempDirectory("r1j-rollout-bench");
        try {
            for (String engine : List.of("DJL", "ONNX_RUNTIME")) {
                String key = engine.toLowerCase(java.util.Locale.ROOT);
                progress.accept("GRPO step with " + key.replace('_', ' ') + " rollouts on " + model + ": " + out.get("shape")
                        + ", LoRA rank " + LORA_RANK + ", own JVM");
                String yaml = "task: gsm8k\ngrpo: {steps: 1, prompts_per_step: " + ROLLOUT_PROMPTS + ", group_size: "
                        + ROLLOUT_GROUP + ", max_new_tokens: " + ROLLOUT_TOKENS + ", micro_batch_size: " + ROLLOUT_MICRO_BATCH
                        + ", beta: 0.0, checkpoint_every: 0, samples_per_step: 0, gradient_checkpointing: true, "
                        + "rollout_engine: " + engine + "}\n";
                Map<String, Object> row = runChild(model, dir, key, yaml, List.of("--lora-rank", RANK));
                if (!row.containsKey("failed")) {
                    addRates(row, dir.resolve(key), ceilingGflops);
                }
                out.put(key, row);
            }
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(dir);
        }
        return out;
    }

    /** Adds the step's phase seconds and their rates against the ceiling, from its metrics and ledger. */
    private static void addRates(Map<String, Object> row, Path run, double ceilingGflops) {
        MetricsTable m = MetricsTable.read(run.resolve("metrics.jsonl"));
        double sync = m.column("weight_sync_seconds")[0];
        double logprob = m.column("logprob_seconds")[0];
        double sampling = m.column("generation_seconds")[0] - sync;
        double optimisation = m.column("optimisation_seconds")[0] - logprob;
        Map<String, CostLedger.Stage> stages = CostLedger.read(run.resolve("ledger.json")).stages();
        CostLedger.Stage generation = stages.get("generation");
        CostLedger.Stage training = stages.get("optimisation");
        row.put("weight_sync_seconds", EngineBench.round(sync));
        row.put("sampling_seconds", EngineBench.round(sampling));
        row.put("logprob_seconds", EngineBench.round(logprob));
        row.put("optimisation_seconds_without_logprob", EngineBench.round(optimisation));
        row.put("generated_tokens", generation.tokens());
        row.put("sampling_fraction_of_fp32_ceiling", fraction(generation.flops(), sampling, ceilingGflops));
        row.put("trained_tokens", training.tokens());
        row.put("optimisation_fraction_of_fp32_ceiling", fraction(training.flops(), training.seconds(), ceilingGflops));
        double kl = m.column("rollout_kl")[0];
        row.put("rollout_kl", Double.isNaN(kl) ? null : kl);
    }

    private static double fraction(double flops, double seconds, double ceilingGflops) {
        return seconds <= 0 ? Double.NaN : Math.round(flops / seconds / 1e9 / ceilingGflops * 1000) / 1000.0;
    }

    private static Map<String, Object> runChild(Path model, Path dir, String name, String yaml, List<String> extra) {
        Path run = dir.resolve(name);
        Path rss = dir.resolve(name + ".rss");
        Path log = dir.resolve(name + ".log");
        Path config = dir.resolve(name + ".yaml");
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CheckpointBench.class.getName(), rss.toString(),
                "grpo", "--config", config.toString(), "--model", model.toString(), "--out", run.toString()));
        cmd.addAll(extra);
        Map<String, Object> out = new LinkedHashMap<>();
        long start = System.nanoTime();
        int code;
        try {
            code = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + name + " step ran", e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (code == R1j.EXIT_BAD_INPUT) {
            out.put("refused", lastLines(log, 1));
            return out;
        }
        if (code != 0 || !Files.exists(rss) || !Files.exists(run.resolve("metrics.jsonl"))) {
            out.put("failed", "exit " + code + ": " + lastLines(log, 5));
            return out;
        }
        MetricsTable m = MetricsTable.read(run.resolve("metrics.jsonl"));
        try {
            out.put("peak_rss_mib", Long.parseLong(Files.readString(rss).trim()) / (1024 * 1024));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.put("step_seconds", EngineBench.round(m.column("step_seconds")[0]));
        out.put("generation_seconds", EngineBench.round(m.column("generation_seconds")[0]));
        out.put("scoring_seconds", EngineBench.round(m.column("scoring_seconds")[0]));
        out.put("optimisation_seconds", EngineBench.round(m.column("optimisation_seconds")[0]));
        out.put("process_seconds", EngineBench.round(seconds));
        return out;
    }

    private static Path tempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** The rows {@link #steps}'s section adds to the bench's table. */
    public static List<String> stepRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-52s %12s", "GRPO step on --model (" + PROMPTS + "x" + GROUP + "x" + NEW_TOKENS + ")", ""));
        for (Configuration configuration : CONFIGURATIONS) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(configuration.key());
            String label = "  " + configuration.key().replace('_', ' ');
            for (String outcome : List.of("failed", "refused", "skipped")) {
                if (c.containsKey(outcome)) {
                    rows.add(String.format("%-52s %12s", label, outcome));
                }
            }
            if (!c.containsKey("peak_rss_mib")) {
                continue;
            }
            rows.add(String.format("%-52s %12d", label + ": peak RSS (MiB)", (long) c.get("peak_rss_mib")));
            for (String phase : List.of("step", "generation", "scoring", "optimisation")) {
                rows.add(String.format("%-52s %12.2f", label + ": " + phase + " seconds", (double) c.get(phase + "_seconds")));
            }
        }
        return rows;
    }

    /** The rows {@link #decode}'s section adds to the bench's table. */
    public static List<String> decodeRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-52s %12s", "--model decoding " + DECODE_ROWS + "x" + DECODE_TOKENS + " by engine", ""));
        for (DecodeEngine engine : DecodeEngine.values()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.getOrDefault(engine.key, Collections.emptyMap());
            String label = "  " + engine.key.replace('_', ' ');
            if (!c.containsKey("tokens_per_second")) {
                rows.add(String.format("%-52s %12s", label, c.containsKey("unavailable") ? "unavailable" : "failed"));
                continue;
            }
            rows.add(String.format("%-52s %12.1f", label + ": tokens/s", (double) c.get("tokens_per_second")));
            rows.add(String.format("%-52s %11.1f%%", label + ": share of the fp32 ceiling",
                    100 * (double) c.get("fraction_of_fp32_ceiling")));
            if (c.containsKey("fraction_of_bf16_ceiling")) {
                rows.add(String.format("%-52s %11.1f%%", label + ": share of the bf16 ceiling",
                        100 * (double) c.get("fraction_of_bf16_ceiling")));
            }
            if (c.containsKey("weight_hand_over_seconds")) {
                rows.add(String.format("%-52s %12.2f", label + ": weight hand-over s", (double) c.get("weight_hand_over_seconds")));
            }
        }
        return rows;
    }

    /** The rows {@link #rolloutStep}'s section adds to the bench's table. */
    public static List<String> rolloutRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-52s %12s", "GRPO step on --model by rollout engine (" + section.get("shape") + ")", ""));
        for (String key : List.of("djl", "onnx_runtime")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.getOrDefault(key, Collections.emptyMap());
            String label = "  " + key.replace('_', ' ');
            if (!c.containsKey("sampling_seconds")) {
                rows.add(String.format("%-52s %12s", label, c.containsKey("refused") ? "refused" : "failed"));
                continue;
            }
            rows.add(String.format("%-52s %12d", label + ": peak RSS (MiB)", (long) c.get("peak_rss_mib")));
            for (String phase : List.of("weight_sync_seconds", "sampling_seconds", "logprob_seconds",
                    "optimisation_seconds_without_logprob")) {
                rows.add(String.format("%-52s %12.2f", label + ": " + phase.replace('_', ' '), (double) c.get(phase)));
            }
            rows.add(String.format("%-52s %11.1f%%", label + ": sampling, share of the fp32 ceiling",
                    100 * (double) c.get("sampling_fraction_of_fp32_ceiling")));
            rows.add(String.format("%-52s %11.1f%%", label + ": optimisation, share of the fp32 ceiling",
                    100 * (double) c.get("optimisation_fraction_of_fp32_ceiling")));
        }
        return rows;
    }

    /**
     * The forked JVM of {@link #steps} and {@link #rolloutStep}: {@code args[0]} is the file to write this
     * process's peak RSS (bytes) to, the rest an {@code r1j} command line; exits with that command's code.
     */
    public static void main(String[] args) throws IOException {
        int code = R1j.commandLine().execute(java.util.Arrays.copyOfRange(args, 1, args.length));
        Files.writeString(Path.of(args[0]), Long.toString(EngineBench.peakRssBytes()));
        System.exit(code);
    }
}
