package dev.r1j.samples.bench;

import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.distill.onnx.OrtRolloutGenerator;
import dev.r1j.distill.onnx.WeightFeed;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.grpo.RolloutEngine;
import dev.r1j.common.AtomicFiles;
import dev.r1j.report.MetricsTable;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * A checkpoint of the user's own is measured by {@link CheckpointBench}.
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

    /** A rollout configuration {@link #rolloutEngines} measures: its JSON key, engine and weight feed. */
    private record Rollouts(String key, RolloutEngine engine, WeightFeed feed) {}

    private static final List<Rollouts> ROLLOUTS = List.of(
            new Rollouts("djl", RolloutEngine.DJL, null),
            new Rollouts("onnx_runtime_graph_inputs", RolloutEngine.ONNX_RUNTIME, WeightFeed.GRAPH_INPUTS),
            new Rollouts("onnx_runtime_external_initializers", RolloutEngine.ONNX_RUNTIME, WeightFeed.EXTERNAL_INITIALIZERS));

    /** Shape of {@link #rolloutEngines}'s step: prompts x completions x new tokens. */
    static final int ROLLOUT_PROMPTS = 8;
    static final int ROLLOUT_GROUP = 8;
    static final int ROLLOUT_TOKENS = 64;

    /**
     * One GRPO step on {@link #MODEL} ({@value #ROLLOUT_PROMPTS} x {@value #ROLLOUT_GROUP} x
     * {@value #ROLLOUT_TOKENS} new tokens) per rollout engine: the DJL engine, and ONNX Runtime with the
     * weights fed as graph inputs and as external initializers, each with its default correction. The
     * first step warms the engines up; each figure is the median over the steps after it: seconds of weight
     * hand-over, sampling (without the hand-over), the trainer's log-prob recompute, and optimisation
     * (without the recompute), the step, and {@code rollout_kl}; ONNX Runtime's weight copy in bytes.
     */
    public Map<String, Object> rolloutEngines() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!BuiltinModels.names().contains(MODEL.substring(BuiltinModels.PREFIX.length()))) {
            out.put("unavailable", MODEL + " is not on the class path");
            return out;
        }
        out.put("model", MODEL);
        out.put("shape", ROLLOUT_PROMPTS + " x " + ROLLOUT_GROUP + " x " + ROLLOUT_TOKENS);
        for (Rollouts r : ROLLOUTS) {
            progress.accept("GRPO step with " + r.key().replace('_', ' ') + " rollouts: " + out.get("shape") + " on " + MODEL);
            GrpoConfig config = GrpoConfig.builder().steps(quick ? 3 : 5).promptsPerStep(ROLLOUT_PROMPTS).groupSize(ROLLOUT_GROUP)
                    .maxNewTokens(ROLLOUT_TOKENS).learningRate(1e-5).checkpointEvery(0).samplesPerStep(0)
                    .rolloutEngine(r.engine()).build();
            Path run;
            try {
                run = Files.createTempDirectory("r1j-rollout-bench");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            try (Checkpoint cp = Checkpoint.load(BuiltinModels.resolve(MODEL))) {
                Generator gen = r.engine() == RolloutEngine.DJL
                        ? new DjlGenerator(cp.model(), cp.tokenizer(), config.completionsPerStep())
                        : new OrtRolloutGenerator(cp.model(), cp.tokenizer(), config.completionsPerStep(), r.feed(), 0);
                try (gen) {
                    if (gen instanceof OrtRolloutGenerator ort) {
                        row.put("weight_copy_bytes", ort.weightBytes());
                    }
                    new GrpoTrainer(cp.model(), cp.tokenizer(), cp.template().orElse(PromptTemplate.DEFAULT), gen,
                            MathReward.strict(), ProblemStream.of(MixedTask.ARITH, 0), config, run, ProgressListener.silent())
                            .train();
                }
                MetricsTable m = MetricsTable.read(run.resolve("metrics.jsonl"));
                double[] sync = m.column("weight_sync_seconds");
                double[] logprob = m.column("logprob_seconds");
                double[] sampling = m.column("generation_seconds");
                double[] optimisation = m.column("optimisation_seconds");
                for (int i = 0; i < sync.length; i++) {
                    sampling[i] -= sync[i];
                    optimisation[i] -= logprob[i];
                }
                row.put("correction", config.rolloutCorrection().name());
                row.put("steps_measured", config.steps() - 1);
                row.put("weight_sync_seconds", EngineBench.round(medianAfterFirst(sync)));
                row.put("sampling_seconds", EngineBench.round(medianAfterFirst(sampling)));
                row.put("logprob_seconds", EngineBench.round(medianAfterFirst(logprob)));
                row.put("optimisation_seconds", EngineBench.round(medianAfterFirst(optimisation)));
                row.put("step_seconds", EngineBench.round(medianAfterFirst(m.column("step_seconds"))));
                double kl = medianAfterFirst(m.column("rollout_kl"));
                row.put("rollout_kl", Double.isNaN(kl) ? null : kl); // null: no correction, no figure
            } finally {
                AtomicFiles.deleteRecursivelyQuietly(run);
            }
            out.put(r.key(), row);
        }
        return out;
    }

    /**
     * The two ways of handing weights to ONNX Runtime, side by side on {@link #MODEL}: both generators
     * open at once, and per round each takes the weights ({@code weightsChanged}) and samples
     * {@value #ROLLOUT_PROMPTS} x {@value #ROLLOUT_GROUP} completions of {@value #ROLLOUT_TOKENS} tokens,
     * in turn, so that a busy machine slows both alike. Reported: the median seconds of the hand-over
     * and of the sampling per feed over the rounds after the first.
     */
    public Map<String, Object> rolloutFeeds() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!BuiltinModels.names().contains(MODEL.substring(BuiltinModels.PREFIX.length()))) {
            out.put("unavailable", MODEL + " is not on the class path");
            return out;
        }
        int rounds = quick ? 3 : 6;
        progress.accept("ONNX Runtime weight feeds: " + rounds + " rounds of hand-over + " + ROLLOUT_PROMPTS + " x "
                + ROLLOUT_GROUP + " x " + ROLLOUT_TOKENS + " rollouts on " + MODEL);
        WeightFeed[] feeds = WeightFeed.values();
        double[][] sync = new double[feeds.length][rounds];
        double[][] sampling = new double[feeds.length][rounds];
        try (Checkpoint cp = Checkpoint.load(BuiltinModels.resolve(MODEL))) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            List<String> prompts = ProblemStream.of(MixedTask.ARITH, 0).draw(1, 0, ROLLOUT_PROMPTS).stream()
                    .map(p -> template.render(p.prompt())).toList();
            List<OrtRolloutGenerator> gens = new ArrayList<>();
            try {
                for (WeightFeed f : feeds) {
                    gens.add(new OrtRolloutGenerator(cp.model(), cp.tokenizer(), ROLLOUT_PROMPTS * ROLLOUT_GROUP, f, 0));
                }
                for (int round = 0; round < rounds; round++) {
                    dev.r1j.rl.generate.SamplingParams params = dev.r1j.rl.generate.SamplingParams.builder()
                            .maxNewTokens(ROLLOUT_TOKENS).temperature(1.0).seed(round).build();
                    for (int f = 0; f < feeds.length; f++) {
                        long t0 = System.nanoTime();
                        gens.get(f).weightsChanged();
                        long t1 = System.nanoTime();
                        gens.get(f).generate(prompts, ROLLOUT_GROUP, params);
                        sync[f][round] = (t1 - t0) / 1e9;
                        sampling[f][round] = (System.nanoTime() - t1) / 1e9;
                    }
                }
                out.put("weight_copy_bytes", gens.get(0).weightBytes());
            } finally {
                gens.forEach(OrtRolloutGenerator::close);
            }
        }
        out.put("model", MODEL);
        out.put("rounds_measured", rounds - 1);
        for (int f = 0; f < feeds.length; f++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("weight_sync_seconds", EngineBench.round(medianAfterFirst(sync[f])));
            row.put("sampling_seconds", EngineBench.round(medianAfterFirst(sampling[f])));
            out.put(feeds[f].name().toLowerCase(java.util.Locale.ROOT), row);
        }
        return out;
    }

    /** The rows {@link #rolloutFeeds}'s section adds to the bench's table. */
    public static List<String> feedRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        if (section.containsKey("unavailable")) {
            return rows;
        }
        for (WeightFeed f : WeightFeed.values()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(f.name().toLowerCase(java.util.Locale.ROOT));
            String label = "  ONNX Runtime " + f.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
            rows.add(String.format("%-44s %12.3f", label + ": hand-over s", (double) c.get("weight_sync_seconds")));
            rows.add(String.format("%-44s %12.3f", label + ": sampling s", (double) c.get("sampling_seconds")));
        }
        return rows;
    }

    /** The rows {@link #rolloutEngines}'s section adds to the bench's table. */
    public static List<String> rolloutRows(Map<String, Object> section) {
        List<String> rows = new ArrayList<>();
        if (section.containsKey("unavailable")) {
            rows.add(String.format("%-44s %12s", "GRPO step by rollout engine", "no builtin model"));
            return rows;
        }
        rows.add(String.format("%-44s %12s", "GRPO step by rollout engine (" + section.get("shape") + ")", ""));
        for (Rollouts r : ROLLOUTS) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(r.key());
            for (String phase : List.of("weight_sync", "sampling", "logprob", "optimisation", "step")) {
                rows.add(String.format("%-44s %12.2f", "  " + r.key().replace('_', ' ') + ": " + phase.replace('_', ' ')
                        + " s", (double) c.get(phase + "_seconds")));
            }
        }
        return rows;
    }

    /** The median of {@code v} without its first entry (NaN when nothing is left, or for a null figure). */
    private static double medianAfterFirst(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double[] rest = java.util.Arrays.copyOfRange(v, 1, v.length);
        java.util.Arrays.sort(rest);
        return rest.length % 2 == 1 ? rest[rest.length / 2] : (rest[rest.length / 2 - 1] + rest[rest.length / 2]) / 2;
    }

    private static double meanAfterFirst(double[] v) {
        double s = 0;
        for (int i = 1; i < v.length; i++) {
            s += v[i];
        }
        return v.length > 1 ? s / (v.length - 1) : Double.NaN;
    }
}
