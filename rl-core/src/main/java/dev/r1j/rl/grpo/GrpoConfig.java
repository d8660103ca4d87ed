package dev.r1j.rl.grpo;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of {@link GrpoTrainer}. Immutable; build with {@link #builder()}, which starts from the
 * defaults below. The constructor checks every rule in one place and reports all that are broken,
 * each naming its field in the snake_case a config file uses.
 *
 * <p>The defaults are plain GRPO as DeepSeekMath describes it (sequence-mean loss, group-std scaling,
 * symmetric clipping, one update per batch, no KL); the other variants are one field away.
 *
 * @param steps               optimiser steps (batches of prompts) in the run; default 200
 * @param promptsPerStep      prompts (groups) per step, B; default 16
 * @param groupSize           completions sampled per prompt, G (>= 2: the group is the baseline); default 8
 * @param maxNewTokens        longest completion; default 128
 * @param temperature         sampling temperature (R1-Zero samples at 1.0 so the policy explores); default 1.0
 * @param topP                nucleus sampling mass (1: off); default 1.0
 * @param learningRate        peak AdamW learning rate; default 1e-5
 * @param minLearningRate     floor of the cosine decay; default learningRate (constant after warm-up)
 * @param warmupSteps         linear warm-up steps; default 0
 * @param weightDecay         AdamW decoupled weight decay; default 0.0
 * @param adamBeta2           AdamW second-moment decay (beta1 is 0.9); default 0.99
 * @param clipNorm            global gradient-norm limit; default 1.0
 * @param iterations          mu: optimisation passes over each batch, each an optimiser update; with
 *                            mu > 1 the ratio departs from 1 and clipping matters (GRPO); default 1
 * @param epsilonLow          lower clip range of the ratio (PPO, Schulman et al. 2017); default 0.2
 * @param epsilonHigh         upper clip range; 0.28 is DAPO's clip-higher (Yu et al. 2025); default 0.2
 * @param beta                weight of the KL penalty to the initial policy; 0 drops the reference model
 *                            entirely, as DAPO and Dr. GRPO do; default 0.0
 * @param klEstimator         estimator of that KL (GRPO uses k3); default K3
 * @param lossAggregation     how token losses are summed (GRPO sequence-mean, DAPO token-mean, Dr. GRPO
 *                            constant); default SEQUENCE_MEAN
 * @param advantageScaling    how advantages are scaled (GRPO group std, batch std, Dr. GRPO none); default GROUP_STD
 * @param policyLoss          the policy-gradient term: PPO_CLIP (GRPO's per-token clipped ratio), GSPO (one
 *                            clipped ratio per completion) or CISPO (clipped, detached importance weights;
 *                            see {@link PolicyLoss}); they differ only when iterations > 1; default PPO_CLIP
 * @param dynamicSampling     drop groups whose rewards all agree and sample more prompts to refill the
 *                            batch (DAPO); default false
 * @param maxSamplingRounds   bound on sampling rounds per step with dynamic sampling; when reached, the
 *                            batch is completed with agreeing groups (zero advantage); default 3
 * @param overlongFiltering   exclude completions cut at maxNewTokens from the loss (DAPO); default false
 * @param microBatchSize      sequences per forward/backward pass (memory, not maths); default 32
 * @param seed                seeds problems, sampling and everything else random; default 0
 * @param checkpointEvery     steps between checkpoints (0: only the last); default 50
 * @param samplesPerStep      completions written to samples.jsonl per step; default 4
 * @param rewardThreads       threads scoring completions (rewards may run programs); default: available processors
 * @param logitsChunk         completion positions sent through the output head at once when log-probs and
 *                            entropy are computed (memory, not maths: the head holds [logits_chunk, V]
 *                            logits at a time instead of [micro_batch_size, T, V]; TRL and verl call it
 *                            the logits chunk); default 1024
 * @param gradientCheckpointing recompute each decoder block in the backward pass instead of keeping its
 *                            activations (memory, not maths: autograd then holds one block's activations
 *                            of a micro-batch at a time, for about one more forward pass of compute);
 *                            default false
 * @param rolloutEngine       who samples the completions: DJL (the trainer's own engine and arrays) or
 *                            ONNX_RUNTIME (a copy of the policy's current weights handed to ONNX Runtime
 *                            before each step, as TRL and verl hand theirs to vLLM; it costs the model's
 *                            float32 size again); default DJL
 * @param rolloutCorrection   truncated importance sampling for the engine mismatch: NONE, TOKEN or
 *                            SEQUENCE (see {@link RolloutCorrection}); default (when unset) TOKEN with
 *                            ONNX_RUNTIME, NONE with DJL (which samples from the trainer's own arrays)
 * @param rolloutIsCap        the cap of the importance weights (> 0); default 2.0
 */
public record GrpoConfig(int steps, int promptsPerStep, int groupSize, int maxNewTokens, double temperature, double topP,
                         double learningRate, double minLearningRate, int warmupSteps, double weightDecay,
                         double adamBeta2, double clipNorm, int iterations, double epsilonLow, double epsilonHigh,
                         double beta, KlEstimator klEstimator, LossAggregation lossAggregation,
                         AdvantageScaling advantageScaling, PolicyLoss policyLoss, boolean dynamicSampling, int maxSamplingRounds,
                         boolean overlongFiltering, int microBatchSize, long seed, int checkpointEvery,
                         int samplesPerStep, int rewardThreads, int logitsChunk, boolean gradientCheckpointing,
                         RolloutEngine rolloutEngine, RolloutCorrection rolloutCorrection, double rolloutIsCap) {

    /** The cap of the rollout importance weights when none is set. */
    public static final double DEFAULT_ROLLOUT_IS_CAP = 2.0;

    public GrpoConfig {
        // Unset (a config file without the keys): the engine defaults to DJL, the correction by engine.
        rolloutEngine = rolloutEngine == null ? RolloutEngine.DJL : rolloutEngine;
        policyLoss = policyLoss == null ? PolicyLoss.PPO_CLIP : policyLoss;
        rolloutCorrection = rolloutCorrection == null ? defaultCorrection(rolloutEngine) : rolloutCorrection;
        List<String> broken = rules(steps, promptsPerStep, groupSize, maxNewTokens, temperature, topP, learningRate,
                minLearningRate, warmupSteps, weightDecay, adamBeta2, clipNorm, iterations, epsilonLow, epsilonHigh, beta,
                klEstimator, lossAggregation, advantageScaling, maxSamplingRounds, microBatchSize, checkpointEvery,
                samplesPerStep, rewardThreads, logitsChunk, rolloutIsCap);
        if (!broken.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", broken));
        }
    }

    /** Every broken rule, each naming its field. */
    private static List<String> rules(int steps, int promptsPerStep, int groupSize, int maxNewTokens, double temperature,
                                      double topP, double learningRate, double minLearningRate, int warmupSteps,
                                      double weightDecay, double adamBeta2, double clipNorm, int iterations,
                                      double epsilonLow, double epsilonHigh, double beta, KlEstimator klEstimator,
                                      LossAggregation lossAggregation, AdvantageScaling advantageScaling,
                                      int maxSamplingRounds, int microBatchSize, int checkpointEvery, int samplesPerStep,
                                      int rewardThreads, int logitsChunk, double rolloutIsCap) {
        List<String> e = new ArrayList<>();
        check(e, steps >= 1, "steps must be >= 1, was " + steps);
        check(e, promptsPerStep >= 1, "prompts_per_step must be >= 1, was " + promptsPerStep);
        check(e, groupSize >= 2, "group_size must be >= 2 (a group of one has no baseline), was " + groupSize);
        check(e, maxNewTokens >= 1, "max_new_tokens must be >= 1, was " + maxNewTokens);
        check(e, temperature > 0, "temperature must be > 0 (RL needs sampling; greedy groups would all agree), was " + temperature);
        check(e, topP > 0 && topP <= 1, "top_p must be in (0, 1], was " + topP);
        check(e, learningRate > 0, "learning_rate must be > 0, was " + learningRate);
        check(e, minLearningRate >= 0 && minLearningRate <= learningRate,
                "min_learning_rate must be in [0, learning_rate], was " + minLearningRate);
        check(e, warmupSteps >= 0 && warmupSteps < Math.max(1, steps), "warmup_steps must be in [0, steps), was " + warmupSteps);
        check(e, weightDecay >= 0, "weight_decay must be >= 0, was " + weightDecay);
        check(e, adamBeta2 > 0 && adamBeta2 < 1, "adam_beta2 must be in (0, 1), was " + adamBeta2);
        check(e, clipNorm > 0, "clip_norm must be > 0, was " + clipNorm);
        check(e, iterations >= 1, "iterations (mu) must be >= 1, was " + iterations);
        check(e, epsilonLow > 0 && epsilonLow < 1, "epsilon_low must be in (0, 1), was " + epsilonLow);
        check(e, epsilonHigh > 0, "epsilon_high must be > 0, was " + epsilonHigh);
        check(e, beta >= 0, "beta must be >= 0, was " + beta);
        check(e, klEstimator != null, "kl_estimator must be one of K1, K2, K3");
        check(e, lossAggregation != null, "loss_aggregation must be one of SEQUENCE_MEAN, TOKEN_MEAN, CONSTANT");
        check(e, advantageScaling != null, "advantage_scaling must be one of GROUP_STD, BATCH_STD, NONE");
        check(e, maxSamplingRounds >= 1, "max_sampling_rounds must be >= 1, was " + maxSamplingRounds);
        check(e, microBatchSize >= 1, "micro_batch_size must be >= 1, was " + microBatchSize);
        check(e, checkpointEvery >= 0, "checkpoint_every must be >= 0, was " + checkpointEvery);
        check(e, samplesPerStep >= 0, "samples_per_step must be >= 0, was " + samplesPerStep);
        check(e, rewardThreads >= 1, "reward_threads must be >= 1, was " + rewardThreads);
        check(e, logitsChunk >= 1, "logits_chunk must be >= 1 position, was " + logitsChunk);
        check(e, rolloutIsCap > 0 && Double.isFinite(rolloutIsCap),
                "rollout_is_cap must be a finite number > 0 (the largest importance weight a token may get), was "
                        + rolloutIsCap);
        return e;
    }

    /** The correction an engine gets when none is set: TOKEN for ONNX Runtime, NONE for DJL. */
    public static RolloutCorrection defaultCorrection(RolloutEngine engine) {
        return engine == RolloutEngine.ONNX_RUNTIME ? RolloutCorrection.TOKEN : RolloutCorrection.NONE;
    }

    private static void check(List<String> errors, boolean ok, String rule) {
        if (!ok) {
            errors.add(rule);
        }
    }

    /** Completions per step: B * G. */
    public int completionsPerStep() {
        return promptsPerStep * groupSize;
    }

    /** The clipped objective these settings describe. */
    public ClippedSurrogate surrogate() {
        return new ClippedSurrogate(epsilonLow, epsilonHigh);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().steps(steps).promptsPerStep(promptsPerStep).groupSize(groupSize).maxNewTokens(maxNewTokens)
                .temperature(temperature).topP(topP).learningRate(learningRate).minLearningRate(minLearningRate)
                .warmupSteps(warmupSteps).weightDecay(weightDecay).adamBeta2(adamBeta2).clipNorm(clipNorm)
                .iterations(iterations).epsilonLow(epsilonLow).epsilonHigh(epsilonHigh).beta(beta).klEstimator(klEstimator)
                .lossAggregation(lossAggregation).advantageScaling(advantageScaling).policyLoss(policyLoss)
                .dynamicSampling(dynamicSampling)
                .maxSamplingRounds(maxSamplingRounds).overlongFiltering(overlongFiltering).microBatchSize(microBatchSize)
                .seed(seed).checkpointEvery(checkpointEvery).samplesPerStep(samplesPerStep).rewardThreads(rewardThreads)
                .logitsChunk(logitsChunk).gradientCheckpointing(gradientCheckpointing).rolloutEngine(rolloutEngine)
                .rolloutCorrection(rolloutCorrection).rolloutIsCap(rolloutIsCap);
    }

    /** Builder with the defaults documented on {@link GrpoConfig}. */
    public static final class Builder {
        private int steps = 200;
        private int promptsPerStep = 16;
        private int groupSize = 8;
        private int maxNewTokens = 128;
        private double temperature = 1.0;
        private double topP = 1.0;
        private double learningRate = 1e-5;
        private double minLearningRate = -1;
        private int warmupSteps = 0;
        private double weightDecay = 0.0;
        private double adamBeta2 = 0.99;
        private double clipNorm = 1.0;
        private int iterations = 1;
        private double epsilonLow = 0.2;
        private double epsilonHigh = 0.2;
        private double beta = 0.0;
        private KlEstimator klEstimator = KlEstimator.K3;
        private LossAggregation lossAggregation = LossAggregation.SEQUENCE_MEAN;
        private AdvantageScaling advantageScaling = AdvantageScaling.GROUP_STD;
        private PolicyLoss policyLoss = PolicyLoss.PPO_CLIP;
        private boolean dynamicSampling = false;
        private int maxSamplingRounds = 3;
        private boolean overlongFiltering = false;
        private int microBatchSize = 32;
        private long seed = 0;
        private int checkpointEvery = 50;
        private int samplesPerStep = 4;
        private int rewardThreads = Runtime.getRuntime().availableProcessors();
        private int logitsChunk = dev.r1j.rl.model.CausalLm.DEFAULT_LOGITS_CHUNK;
        private boolean gradientCheckpointing = false;
        private RolloutEngine rolloutEngine = RolloutEngine.DJL;
        private RolloutCorrection rolloutCorrection = null;
        private double rolloutIsCap = DEFAULT_ROLLOUT_IS_CAP;

        private Builder() {}

        public Builder steps(int v) { steps = v; return this; }
        public Builder promptsPerStep(int v) { promptsPerStep = v; return this; }
        public Builder groupSize(int v) { groupSize = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        /** Default: the learning rate (no decay). */
        public Builder minLearningRate(double v) { minLearningRate = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder iterations(int v) { iterations = v; return this; }
        public Builder epsilonLow(double v) { epsilonLow = v; return this; }
        public Builder epsilonHigh(double v) { epsilonHigh = v; return this; }
        public Builder beta(double v) { beta = v; return this; }
        public Builder klEstimator(KlEstimator v) { klEstimator = v; return this; }
        public Builder lossAggregation(LossAggregation v) { lossAggregation = v; return this; }
        public Builder advantageScaling(AdvantageScaling v) { advantageScaling = v; return this; }
        public Builder policyLoss(PolicyLoss v) { policyLoss = v; return this; }
        public Builder dynamicSampling(boolean v) { dynamicSampling = v; return this; }
        public Builder maxSamplingRounds(int v) { maxSamplingRounds = v; return this; }
        public Builder overlongFiltering(boolean v) { overlongFiltering = v; return this; }
        public Builder microBatchSize(int v) { microBatchSize = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder samplesPerStep(int v) { samplesPerStep = v; return this; }
        public Builder rewardThreads(int v) { rewardThreads = v; return this; }
        public Builder logitsChunk(int v) { logitsChunk = v; return this; }
        public Builder gradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }
        public Builder rolloutEngine(RolloutEngine v) { rolloutEngine = v; return this; }
        /** Default (null): by engine, TOKEN with ONNX_RUNTIME, NONE with DJL. */
        public Builder rolloutCorrection(RolloutCorrection v) { rolloutCorrection = v; return this; }
        public Builder rolloutIsCap(double v) { rolloutIsCap = v; return this; }

        /** @throws IllegalArgumentException listing every broken rule, each naming its field */
        public GrpoConfig build() {
            return new GrpoConfig(steps, promptsPerStep, groupSize, maxNewTokens, temperature, topP, learningRate,
                    minLearningRate < 0 ? learningRate : minLearningRate, warmupSteps, weightDecay, adamBeta2, clipNorm,
                    iterations, epsilonLow, epsilonHigh, beta, klEstimator, lossAggregation, advantageScaling, policyLoss,
                    dynamicSampling, maxSamplingRounds, overlongFiltering, microBatchSize, seed, checkpointEvery,
                    samplesPerStep, rewardThreads, logitsChunk, gradientCheckpointing, rolloutEngine, rolloutCorrection,
                    rolloutIsCap);
        }
    }
}
