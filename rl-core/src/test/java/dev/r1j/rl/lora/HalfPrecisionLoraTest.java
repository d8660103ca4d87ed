package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Precision;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on a base stored in float16: the adapter (float32) learns, and a run resumes exactly. */
class HalfPrecisionLoraTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private TransformerConfig tiny;
    private static final LoraConfig LORA = LoraConfig.builder().rank(2).build();

    private static final Reward STARTS_WITH_A = (p, text) -> text.startsWith("a") ? RewardResult.correct("a", "starts with a")
            : RewardResult.wrong(text.isEmpty() ? "" : text.substring(0, 1), "does not");

    private static final ProblemStream PROMPTS = (step, round, count) -> {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Problem.of("p" + step + "-" + round + "-" + i, "q" + (i % 3), "a", TaskKind.MATH));
        }
        return out;
    };

    @BeforeEach
    void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("abcdq012 ").writeTo(tmp.resolve("tok"));
        tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(16).intermediateSize(32).numHiddenLayers(1)
                .numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(32).eosTokenId(tok.eosId())
                .padTokenId(tok.padId()).build();
    }

    /** The base of every run here in float16, with a fresh float32 adapter (seeded). */
    private CausalLm adaptedHalf() {
        CausalLm model = CausalLm.randomInit(tiny, 3);
        LoraAdapter.create(model, LORA, LoraBase.of(tmp.resolve("base")), 11);
        model.storeFrozenWeights(Precision.F16);
        return model;
    }

    private GrpoTrainer.Result grpo(CausalLm model, GrpoConfig config, Path run, ProgressListener progress) {
        try (DjlGenerator gen = new DjlGenerator(model, tok)) {
            return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, STARTS_WITH_A, PROMPTS, config, run, progress,
                    Precision.F16).train();
        }
    }

    @Test
    void aLoraSftRunOnAnF16BaseLearnsWithFp32AdapterAndLeavesNoArraysBehind() {
        List<TrainingExample> data = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 40; i++) {
            int start = r.nextInt(5);
            int[] seq = new int[8];
            for (int j = 0; j < 8; j++) {
                seq[j] = 3 + (start + j) % 5;
            }
            data.add(new TrainingExample(seq, 0));
        }
        SupervisedConfig config = SupervisedConfig.builder().batchSize(4).sequenceLength(16).steps(6).learningRate(3e-2)
                .warmupSteps(1).evalEvery(0).checkpointEvery(3).logEvery(1).seed(7).build();
        try (CausalLm model = adaptedHalf()) {
            for (NDArray p : model.trainableParameters()) {
                assertEquals(DataType.FLOAT32, p.getDataType(), "the adapter trains in float32");
            }
            SupervisedTrainer t = new SupervisedTrainer(model, config, tmp.resolve("sft"), 0, ProgressListener.silent());
            double before = t.evaluate(data);
            int arrays = model.manager().getManagedArrays().size();
            t.train(data, List.of());
            assertEquals(arrays, model.manager().getManagedArrays().size(), "no float32 copies left behind by training");
            double after = t.evaluate(data);
            assertTrue(after < before, "the loss falls: " + before + " -> " + after);
            assertEquals(Precision.F16, model.storedPrecision(), "the base stays in float16");
        }
    }

    @Test
    void aLoraGrpoRunOnAnF16BaseKilledAndResumedEndsWithTheAdapterBytesOfAnUninterruptedRun() throws Exception {
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(3).groupSize(3).maxNewTokens(3).learningRate(0.05)
                .rewardThreads(2).microBatchSize(5).checkpointEvery(2).samplesPerStep(2).steps(4).beta(0.05).build();
        Path straight = tmp.resolve("straight");
        try (CausalLm model = adaptedHalf()) {
            GrpoTrainer.Result r = grpo(model, config, straight, ProgressListener.silent());
            assertTrue(Double.isFinite(r.lastMetrics().get("kl")), "the float16 base with adapters off is the reference");
            assertTrue(!LoraAdapter.of(model).orElseThrow().isZero(), "the adapter was trained");
        }
        Path run = tmp.resolve("killed");
        try (CausalLm model = adaptedHalf()) {
            ProgressListener killer = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    if (step == 3) {
                        throw new IllegalStateException("killed");
                    }
                }
            };
            assertThrows(IllegalStateException.class, () -> grpo(model, config, run, killer));
        }
        try (CausalLm model = adaptedHalf()) {
            grpo(model, config, run, ProgressListener.silent());
        }
        Path last = straight.resolve("checkpoints/step-4");
        assertArrayEquals(Files.readAllBytes(last.resolve(LoraDirectory.WEIGHTS_FILE)),
                Files.readAllBytes(run.resolve("checkpoints/step-4").resolve(LoraDirectory.WEIGHTS_FILE)));
        assertArrayEquals(Files.readAllBytes(last.resolve("optimizer.safetensors")),
                Files.readAllBytes(run.resolve("checkpoints/step-4/optimizer.safetensors")));
    }

    @Test
    void fullFineTuningWithAnF16ReferenceCopyTrainsTheFp32Policy() {
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(3).groupSize(3).maxNewTokens(3).learningRate(0.05)
                .rewardThreads(2).microBatchSize(5).checkpointEvery(0).samplesPerStep(0).steps(2).beta(0.05).build();
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) {
            GrpoTrainer.Result r = grpo(model, config, tmp.resolve("full"), ProgressListener.silent());
            assertTrue(Double.isFinite(r.lastMetrics().get("kl")) && r.lastMetrics().get("kl") >= 0, r.lastMetrics().toString());
            assertEquals(Precision.FP32, model.storedPrecision(), "the policy itself stays float32");
        }
    }
}
