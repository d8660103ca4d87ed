package dev.r1j.rl.train;

/**
 * Settings of {@link SupervisedTrainer}. Immutable; build with {@link #builder()}.
 *
 * @param batchSize             packed rows per micro-batch; default 8
 * @param sequenceLength        tokens per row (T); default 256
 * @param gradientAccumulation  micro-batches per optimiser step; default 1
 * @param steps                 optimiser steps in the run; default 1000
 * @param learningRate          peak learning rate after warm-up; default 1e-3
 * @param minLearningRate       floor of the cosine decay; default learningRate / 10
 * @param warmupSteps           linear warm-up steps; default 50
 * @param weightDecay           AdamW decoupled weight decay; default 0.01
 * @param clipNorm              global gradient-norm limit; default 1.0
 * @param evalEvery             steps between evaluation-loss measurements (0: never); default 100
 * @param checkpointEvery       steps between checkpoints (0: only at the end); default 200
 * @param logEvery              steps between metrics lines; default 10
 * @param seed                  data-order seed; default 0
 * @param logitsChunk           loss positions sent through the output head at once (memory, not maths: the
 *                              head holds [logits_chunk, V] logits at a time; only positions whose target
 *                              counts in the loss are projected at all); default 1024
 * @param gradientCheckpointing recompute each decoder block in the backward pass instead of keeping its
 *                              activations (memory, not maths: autograd then holds one block's
 *                              activations at a time, for about one more forward pass of compute);
 *                              default false
 */
public record SupervisedConfig(int batchSize, int sequenceLength, int gradientAccumulation, long steps,
                               double learningRate, double minLearningRate, long warmupSteps, double weightDecay,
                               double clipNorm, int evalEvery, int checkpointEvery, int logEvery, long seed,
                               int logitsChunk, boolean gradientCheckpointing) {

    public SupervisedConfig {
        if (batchSize < 1 || sequenceLength < 1 || gradientAccumulation < 1 || steps < 1) {
            throw new IllegalArgumentException("batch_size, sequence_length, gradient_accumulation and steps must be >= 1");
        }
        if (!(learningRate > 0) || !(minLearningRate >= 0) || minLearningRate > learningRate) {
            throw new IllegalArgumentException("need 0 <= min_learning_rate <= learning_rate and learning_rate > 0");
        }
        if (warmupSteps < 0 || warmupSteps >= steps) {
            throw new IllegalArgumentException("warmup_steps must be in [0, steps), was " + warmupSteps);
        }
        if (!(weightDecay >= 0) || !(clipNorm > 0)) {
            throw new IllegalArgumentException("need weight_decay >= 0 and clip_norm > 0");
        }
        if (evalEvery < 0 || checkpointEvery < 0 || logEvery < 1) {
            throw new IllegalArgumentException("need eval_every >= 0, checkpoint_every >= 0 and log_every >= 1");
        }
        if (logitsChunk < 1) {
            throw new IllegalArgumentException("logits_chunk must be >= 1 position, was " + logitsChunk);
        }
    }

    /** Settings with the default {@code logits_chunk} ({@link dev.r1j.rl.model.CausalLm#DEFAULT_LOGITS_CHUNK}). */
    public SupervisedConfig(int batchSize, int sequenceLength, int gradientAccumulation, long steps, double learningRate,
                            double minLearningRate, long warmupSteps, double weightDecay, double clipNorm, int evalEvery,
                            int checkpointEvery, int logEvery, long seed) {
        this(batchSize, sequenceLength, gradientAccumulation, steps, learningRate, minLearningRate, warmupSteps,
                weightDecay, clipNorm, evalEvery, checkpointEvery, logEvery, seed,
                dev.r1j.rl.model.CausalLm.DEFAULT_LOGITS_CHUNK, false);
    }

    /** These settings with another {@code logits_chunk}. */
    public SupervisedConfig withLogitsChunk(int chunk) {
        return new SupervisedConfig(batchSize, sequenceLength, gradientAccumulation, steps, learningRate, minLearningRate,
                warmupSteps, weightDecay, clipNorm, evalEvery, checkpointEvery, logEvery, seed, chunk,
                gradientCheckpointing);
    }

    /** These settings with gradient checkpointing switched on or off. */
    public SupervisedConfig withGradientCheckpointing(boolean on) {
        return new SupervisedConfig(batchSize, sequenceLength, gradientAccumulation, steps, learningRate, minLearningRate,
                warmupSteps, weightDecay, clipNorm, evalEvery, checkpointEvery, logEvery, seed, logitsChunk, on);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults documented on {@link SupervisedConfig}. */
    public static final class Builder {
        private int batchSize = 8;
        private int sequenceLength = 256;
        private int gradientAccumulation = 1;
        private long steps = 1000;
        private double learningRate = 1e-3;
        private double minLearningRate = -1;
        private long warmupSteps = 50;
        private double weightDecay = 0.01;
        private double clipNorm = 1.0;
        private int evalEvery = 100;
        private int checkpointEvery = 200;
        private int logEvery = 10;
        private long seed = 0;
        private int logitsChunk = dev.r1j.rl.model.CausalLm.DEFAULT_LOGITS_CHUNK;
        private boolean gradientCheckpointing = false;

        private Builder() {}

        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder sequenceLength(int v) { sequenceLength = v; return this; }
        public Builder gradientAccumulation(int v) { gradientAccumulation = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder minLearningRate(double v) { minLearningRate = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder logitsChunk(int v) { logitsChunk = v; return this; }
        public Builder gradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }

        public SupervisedConfig build() {
            return new SupervisedConfig(batchSize, sequenceLength, gradientAccumulation, steps, learningRate,
                    minLearningRate < 0 ? learningRate / 10 : minLearningRate, warmupSteps, weightDecay, clipNorm,
                    evalEvery, checkpointEvery, logEvery, seed, logitsChunk, gradientCheckpointing);
        }
    }
}
