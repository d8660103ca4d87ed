package dev.r1j.samples.examples;

import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.WeightedReward;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.LossAggregation;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.report.MetricsTable;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How do I train with my own reward? A few GRPO steps on {@code builtin:arith-student-base} with a
 * reward written in Java (a bonus for short completions) added to the correctness reward, then the
 * per-step metrics, including each reward component, read back from the run's {@code metrics.jsonl}.
 * Usage: {@code GrpoWithCustomReward [STEPS [RUN_DIR]]} (default 3 steps in a temporary directory).
 */
public final class GrpoWithCustomReward {

    private GrpoWithCustomReward() {}

    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path runDir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("r1j-grpo-example");
        int maxNewTokens = 64;

        // A reward is one method: never throw on model output, return a score and a reason.
        Reward brevity = (problem, completion) -> {
            double score = Math.max(0, 1 - completion.length() / (double) maxNewTokens);
            return new RewardResult(score, score > 0.5, "", completion.length() + " characters");
        };
        Reward reward = WeightedReward.builder()
                .add("correct", 1.0, MathReward.strict())   // the first component judges correctness
                .add("short", 0.2, brevity)
                .build();

        GrpoConfig config = GrpoConfig.builder()
                .steps(steps).promptsPerStep(4).groupSize(4).maxNewTokens(maxNewTokens)
                .learningRate(2e-4).lossAggregation(LossAggregation.TOKEN_MEAN)
                .checkpointEvery(0).rewardThreads(1).seed(7)
                .build();

        try (Checkpoint cp = Checkpoint.load(BuiltinModels.resolve("builtin:arith-student-base"));
             DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            GrpoTrainer trainer = new GrpoTrainer(cp.model(), cp.tokenizer(), template, gen, reward,
                    ProblemStream.of(MixedTask.ARITH, config.seed()), config, runDir, ProgressListener.silent());
            GrpoTrainer.Result result = trainer.train();

            MetricsTable m = MetricsTable.read(runDir.resolve("metrics.jsonl"));
            System.out.println("step  reward  correct  short  accuracy  length  seconds");
            for (int i = 0; i < m.size(); i++) {
                System.out.printf("%4.0f  %6.3f  %7.3f  %5.3f  %8.3f  %6.1f  %7.2f%n", m.column("step")[i],
                        m.column("reward")[i], m.column("reward/correct")[i], m.column("reward/short")[i],
                        m.column("accuracy")[i], m.column("length_mean")[i], m.column("step_seconds")[i]);
            }
            System.out.println("trained " + result.steps() + " steps; last checkpoint " + result.lastCheckpoint());
        }
    }
}
