package dev.r1j.samples.bench;

import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.io.AtomicFiles;
import dev.r1j.report.MetricsTable;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a GRPO step's time goes on the shipped teacher base and the arith task, with the settings of
 * the emergence run (16 prompts x 8 completions, 96 new tokens): generation, scoring and
 * optimisation seconds and their shares. The first step is left out (it warms the engine up).
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

    private static double meanAfterFirst(double[] v) {
        double s = 0;
        for (int i = 1; i < v.length; i++) {
            s += v[i];
        }
        return v.length > 1 ? s / (v.length - 1) : Double.NaN;
    }
}
