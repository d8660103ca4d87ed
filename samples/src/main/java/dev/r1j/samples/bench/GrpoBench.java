package dev.r1j.samples.bench;

import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.common.AtomicFiles;
import dev.r1j.report.MetricsTable;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.samples.cli.R1j;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a GRPO step's time goes on the shipped teacher base and the arith task, with the settings of
 * the emergence run (16 prompts x 8 completions, 96 new tokens): generation, scoring and
 * optimisation seconds and their shares. The first step is left out (it warms the engine up).
 *
 * <p>With a checkpoint of its own ({@link #checkpointStep}), one GRPO step of the shape the issue
 * tracker's memory targets are stated for: {@value #PROMPTS} prompts x {@value #GROUP} completions x
 * {@value #NEW_TOKENS} new tokens on gsm8k, micro-batch {@value #MICRO_BATCH}, no KL, once in full
 * fine-tuning and once with a rank-{@value #LORA_RANK} LoRA adapter, each through {@code r1j grpo} in a
 * JVM of its own so that each configuration's peak RSS is its own.
 */
public final class GrpoBench {

    /** The model measured. */
    public static final String MODEL = "builtin:arith-teacher-base";

    private final boolean quick;
    private final Consumer<String> progress;

    public GrpoBench(boolean quick, Consumer<String> progress) {
        this.quick = quick;
        this.progress = progress;
    }

    /** The step split, or {@code {"unavailable": reason}} without the built-in models. */
    public Map<String, Object> stepSplit() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!BuiltinModels.names().contains(MODEL.substring(BuiltinModels.PREFIX.length()))) {
            out.put("unavailable", MODEL + " is not on the class path");
            return out;
        }
        int steps = quick ? 3 : 6;
        GrpoConfig config = GrpoConfig.builder().steps(steps).promptsPerStep(16).groupSize(8).maxNewTokens(96)
                .learningRate(1e-5).checkpointEvery(0).samplesPerStep(0).build();
        Path run;
        try {
            run = Files.createTempDirectory("r1j-grpo-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        progress.accept("GRPO step split: " + steps + " steps of 16 x 8 completions on " + MODEL);
        try (Checkpoint cp = Checkpoint.load(BuiltinModels.resolve(MODEL));
             DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer(), config.completionsPerStep())) {
            new GrpoTrainer(cp.model(), cp.tokenizer(), cp.template().orElse(PromptTemplate.DEFAULT), gen, MathReward.strict(),
                    ProblemStream.of(MixedTask.ARITH, 0), config, run, ProgressListener.silent()).train();
            MetricsTable m = MetricsTable.read(run.resolve("metrics.jsonl"));
            double gen1 = meanAfterFirst(m.column("generation_seconds"));
            double score = meanAfterFirst(m.column("scoring_seconds"));
            double opt = meanAfterFirst(m.column("optimisation_seconds"));
            double step = meanAfterFirst(m.column("step_seconds"));
            out.put("model", MODEL);
            out.put("completions_per_step", config.completionsPerStep());
            out.put("steps_measured", steps - 1);
            out.put("step_seconds", EngineBench.round(step));
            out.put("generation_seconds", EngineBench.round(gen1));
            out.put("scoring_seconds", EngineBench.round(score));
            out.put("optimisation_seconds", EngineBench.round(opt));
            out.put("generation_share", EngineBench.round(gen1 / step));
            out.put("mean_completion_tokens", EngineBench.round(meanAfterFirst(m.column("length_mean"))));
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(run);
        }
        return out;
    }

    static final int PROMPTS = 4;
    static final int GROUP = 4;
    static final int NEW_TOKENS = 64;
    static final int MICRO_BATCH = 2;
    static final int LORA_RANK = 16;

    /** A configuration {@link #checkpointStep} runs: its JSON key and its extra {@code r1j grpo} arguments. */
    private record Configuration(String key, List<String> arguments) {}

    private static final List<Configuration> CONFIGURATIONS = List.of(
            new Configuration("full_fine_tuning", List.of()),
            new Configuration("lora_rank_" + LORA_RANK, List.of("--lora-rank", String.valueOf(LORA_RANK))));

    /**
     * One GRPO step on {@code model} per configuration (full fine-tuning first, then LoRA), each in a
     * forked JVM with this JVM's options: the settings, and per configuration {@code peak_rss_mib} (the
     * child's VmHWM, which includes loading the model and writing the step's checkpoint),
     * {@code step_seconds}, {@code generation_seconds}, {@code scoring_seconds} and
     * {@code optimisation_seconds} (from the run's {@code metrics.jsonl}) and {@code process_seconds}
     * (the child's wall time: start, load, step, checkpoint); or {@code failed} with the child's exit
     * code and last output lines.
     */
    public Map<String, Object> checkpointStep(Path model) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.toAbsolutePath().toString());
        out.put("task", "gsm8k");
        out.put("prompts_per_step", PROMPTS);
        out.put("group_size", GROUP);
        out.put("max_new_tokens", NEW_TOKENS);
        out.put("micro_batch_size", MICRO_BATCH);
        out.put("beta", 0.0);
        Path dir;
        try {
            dir = Files.createTempDirectory("r1j-model-bench");
            Files.writeString(dir.resolve("grpo.yaml"), "task: gsm8k\ngrpo: {steps: 1, prompts_per_step: " + PROMPTS
                    + ", group_size: " + GROUP + ", max_new_tokens: " + NEW_TOKENS + ", micro_batch_size: " + MICRO_BATCH
                    + ", beta: 0.0, checkpoint_every: 1, samples_per_step: 0}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (Configuration c : CONFIGURATIONS) {
                progress.accept("GRPO step on " + model + ": " + c.key().replace('_', ' ') + " (" + PROMPTS + " x " + GROUP
                        + " x " + NEW_TOKENS + " tokens, micro-batch " + MICRO_BATCH + ", own JVM)");
                out.put(c.key(), runChild(model, dir, c.key(), c.arguments()));
            }
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(dir);
        }
        return out;
    }

    private static Map<String, Object> runChild(Path model, Path dir, String name, List<String> extra) {
        Path run = dir.resolve(name);
        Path rss = dir.resolve(name + ".rss");
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GrpoBench.class.getName(), rss.toString(),
                "grpo", "--config", dir.resolve("grpo.yaml").toString(), "--model", model.toString(), "--out", run.toString()));
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

    private static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** The rows {@link #checkpointStep}'s section adds to the bench's table. */
    public static List<String> tableRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-44s %12s", "GRPO step on --model (" + PROMPTS + "x" + GROUP + "x" + NEW_TOKENS + ")", ""));
        for (Configuration configuration : CONFIGURATIONS) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(configuration.key());
            String label = "  " + configuration.key().replace('_', ' ');
            if (c.containsKey("failed")) {
                rows.add(String.format("%-44s %12s", label, "failed"));
                continue;
            }
            rows.add(String.format("%-44s %12d", label + ": peak RSS (MiB)", (long) c.get("peak_rss_mib")));
            for (String phase : List.of("step", "generation", "scoring", "optimisation")) {
                rows.add(String.format("%-44s %12.2f", label + ": " + phase + " seconds", (double) c.get(phase + "_seconds")));
            }
        }
        return rows;
    }

    /**
     * The forked JVM of {@link #checkpointStep}: {@code args[0]} is the file to write this process's
     * peak RSS (bytes) to, the rest an {@code r1j} command line; exits with that command's code.
     */
    public static void main(String[] args) throws IOException {
        int code = R1j.commandLine().execute(java.util.Arrays.copyOfRange(args, 1, args.length));
        Files.writeString(Path.of(args[0]), Long.toString(EngineBench.peakRssBytes()));
        System.exit(code);
    }

    private static double meanAfterFirst(double[] v) {
        double s = 0;
        for (int i = 1; i < v.length; i++) {
            s += v[i];
        }
        return v.length > 1 ? s / (v.length - 1) : Double.NaN;
    }
}
