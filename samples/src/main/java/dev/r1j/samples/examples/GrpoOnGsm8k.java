package dev.r1j.samples.examples;

import dev.r1j.rewards.Reward;
import dev.r1j.rewards.WeightedReward;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.format.ThinkAnswerFormat;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.LossAggregation;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;

/**
 * GRPO on GSM8K's bundled train split with your own Qwen2 or Llama checkpoint in Hugging Face layout:
 * the README's example, kept compiling here (a test checks that the README shows exactly the marked
 * region). Usage: {@code GrpoOnGsm8k MODEL_DIR}. Sized for a GPU machine and a model of about a
 * billion parameters; on a CPU it is slow.
 */
public final class GrpoOnGsm8k {

    private GrpoOnGsm8k() {}

    // README:BEGIN
    public static void main(String[] args) {
        Path modelDir = Path.of(args[0]);  // config.json, model.safetensors (or shards), tokenizer.json
        PromptTemplate template = new PromptTemplate("Question: {prompt}\nThink step by step inside "
                + "<think> </think>, then give the final number inside <answer> </answer>.\nAnswer: ");
        Reward reward = WeightedReward.builder()
                .add("correct", 1.0, MathReward.strict())     // 1 if the <answer> equals GSM8K's #### number
                .add("format", 0.1, new ThinkAnswerFormat())  // R1-Zero's format reward
                .build();
        GrpoConfig config = GrpoConfig.builder()
                .steps(200).promptsPerStep(8).groupSize(8).maxNewTokens(512)
                .learningRate(1e-6).lossAggregation(LossAggregation.TOKEN_MEAN).epsilonHigh(0.28)
                .microBatchSize(4).checkpointEvery(25)
                .build();
        try (Checkpoint cp = Checkpoint.load(modelDir);
             DjlGenerator generator = new DjlGenerator(cp.model(), cp.tokenizer())) {
            GrpoTrainer trainer = new GrpoTrainer(cp.model(), cp.tokenizer(), template, generator, reward,
                    ProblemStream.cycling(Gsm8k.builtinTrain(), config.seed(), 1), config,
                    Path.of("runs/gsm8k-grpo"), ProgressListener.lines(System.out::println));
            System.out.println("last step: " + trainer.train().lastMetrics());
        }
    }
    // README:END
}
