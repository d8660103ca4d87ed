package dev.r1j.samples.cli;

import dev.r1j.rewards.tasks.Task;
import dev.r1j.rl.grpo.AdvantageScaling;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.LossAggregation;
import dev.r1j.rl.train.SupervisedConfig;

/**
 * How much work each stage of {@code r1j demo} does. The full plan repeats the measurements in
 * docs/results.md (the same evaluation seeds and sizes, the recipe that made
 * {@code builtin:arith-teacher-rl}, the SFT settings of docs/distill/sft.yaml); the quick plan
 * keeps every stage and enough steps for the effect to show; the smoke plan only proves that
 * every stage runs.
 *
 * @param name          shown in the console and the summary
 * @param evalProblems  held-out problems per evaluation (generated from seed {@link #EVAL_SEED})
 * @param evalSamples   samples per problem (k)
 * @param grpo          the teacher's RL run
 * @param traceProblems problems the RL teacher writes traces for (seed {@link #TRACE_SEED}, disjoint
 *                      from the evaluation's draw)
 * @param traceSamples  completions sampled per trace problem
 * @param sft           the student's training on the traces
 */
record DemoPlan(String name, int evalProblems, int evalSamples, GrpoConfig grpo, int traceProblems, int traceSamples,
                SupervisedConfig sft) {

    static final String TEACHER = "builtin:arith-teacher-base";
    static final String STUDENT = "builtin:arith-student-base";
    static final Task TASK = Task.named("arith");
    static final long EVAL_SEED = 7;
    static final long TRACE_SEED = 11;
    /** Completion length for the teacher's RL and traces: a worked arith answer takes about 30 tokens. */
    static final int MAX_NEW_TOKENS = 96;

    /** The recipe of models/recipes/arith-teacher-rl.yaml with {@code steps} steps. */
    private static GrpoConfig.Builder recipe(int steps) {
        return GrpoConfig.builder().steps(steps).promptsPerStep(16).groupSize(8).maxNewTokens(MAX_NEW_TOKENS).temperature(1.0)
                .learningRate(2.0e-4).minLearningRate(2.0e-5).warmupSteps(5).lossAggregation(LossAggregation.TOKEN_MEAN)
                .advantageScaling(AdvantageScaling.GROUP_STD).beta(0.0).checkpointEvery(25).seed(0);
    }

    /** docs/distill/sft.yaml with {@code steps} steps. */
    private static SupervisedConfig.Builder sft(int steps) {
        return SupervisedConfig.builder().batchSize(16).sequenceLength(256).steps(steps).learningRate(1.0e-3)
                .minLearningRate(1.0e-4).warmupSteps(Math.min(20, steps / 5)).evalEvery(0).checkpointEvery(100).logEvery(10)
                .seed(0);
    }

    /** The measurements of docs/results.md, end to end (11 minutes on two cores). */
    static DemoPlan full() {
        return new DemoPlan("full", 200, 4, recipe(150).build(), 2000, 4, sft(300).build());
    }

    /** Every stage, smaller: 2 samples per evaluation problem, 40 RL steps, half the traces and SFT steps. */
    static DemoPlan quick() {
        return new DemoPlan("quick", 200, 2, recipe(40).build(), 1000, 4, sft(150).build());
    }

    /** Every stage at toy size, to check that the demo runs (its numbers mean nothing). */
    static DemoPlan smoke() {
        return new DemoPlan("smoke", 6, 1, recipe(2).promptsPerStep(2).groupSize(4).maxNewTokens(24).warmupSteps(0)
                .checkpointEvery(0).build(), 6, 2, sft(2).batchSize(2).sequenceLength(96).warmupSteps(0).build());
    }
}
