package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.SafeTensorsFile;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** GRPO and SFT training an adapter on a frozen base: what is trained, what is written, exact resume. */
class LoraTrainingTest {

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

    private GrpoTrainer.Result grpo(CausalLm model, GrpoConfig config, Path run, ProgressListener progress) {
        return grpo(model, config, run, progress, Precision.FP32);
    }

    private GrpoTrainer.Result grpo(CausalLm model, GrpoConfig config, Path run, ProgressListener progress,
                                    Precision reference) {
        try (DjlGenerator gen = new DjlGenerator(model, tok)) {
            return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, STARTS_WITH_A, PROMPTS, config, run, progress,
                    reference).train();
        }
    }

    /** The base model of every run here, with a fresh adapter (seeded) attached. */
    private CausalLm adapted() {
        return adapted(Precision.FP32);
    }

    /** As {@link #adapted()}, with the frozen base stored in {@code precision} (the adapter stays F32). */
    private CausalLm adapted(Precision precision) {
        CausalLm model = CausalLm.randomInit(tiny, 3);
        LoraAdapter.create(model, LORA, LoraBase.of(tmp.resolve("base")), 11);
        model.storeFrozenWeights(precision);
        return model;
    }

    /** Sequences counting through five tokens from a random start: a pattern an adapter can learn. */
    private static List<TrainingExample> countingData() {
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
        return data;
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP32", "F16"})
    void aLoraGrpoRunKilledAndResumedEndsWithTheAdapterBytesOfAnUninterruptedRun(Precision precision) throws Exception {
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(3).groupSize(3).maxNewTokens(3).learningRate(0.05)
                .rewardThreads(2).microBatchSize(5).checkpointEvery(2).samplesPerStep(2).steps(4).iterations(2).beta(0.05)
                .build();
        Map<String, float[]> base;
        try (CausalLm plain = CausalLm.randomInit(tiny, 3)) {
            base = plain.hfTensors();
        }
        Path straight = tmp.resolve("straight");
        try (CausalLm model = adapted(precision)) {
            GrpoTrainer.Result r = grpo(model, config, straight, ProgressListener.silent());
            assertTrue(Double.isFinite(r.lastMetrics().get("kl")), "the base with adapters off is the KL reference");
            assertEquals(precision, model.storedPrecision(), "the base keeps its storage");
            Map<String, float[]> after = model.hfTensors();
            for (String name : base.keySet()) {
                float[] b = base.get(name);
                // F16 storage holds the float16 rounding of the base: within 2^-11 relative, or half the
                // subnormal spacing 2^-24 below float16's smallest normal number
                for (int i = 0; i < b.length; i++) {
                    assertEquals(b[i], after.get(name)[i], precision == Precision.F16 ? Math.abs(b[i]) * 0x1p-11 + 0x1p-25 : 0,
                            "the base is frozen: " + name);
                }
            }
            assertFalse(LoraAdapter.of(model).orElseThrow().isZero(), "the adapter was trained");
        }
        Path last = straight.resolve("checkpoints/step-4");
        assertTrue(LoraDirectory.isAdapterDirectory(last));
        assertFalse(Files.exists(last.resolve("model.safetensors")), "a LoRA checkpoint holds the adapter, not the base");
        assertTrue(Files.exists(last.resolve("tokenizer.json")));
        try (SafeTensorsFile moments = SafeTensorsFile.open(last.resolve("optimizer.safetensors"))) {
            assertEquals(2 * 2 * 4 * tiny.numHiddenLayers(), moments.names().size(), "moments of the adapter tensors only");
        }

        Path run = tmp.resolve("killed");
        try (CausalLm model = adapted(precision)) {
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
        List<String> messages = new ArrayList<>();
        try (CausalLm model = adapted(precision)) {
            grpo(model, config, run, ProgressListener.lines(messages::add));
        }
        assertTrue(messages.get(0).contains("resuming") && messages.get(0).contains("step 2"), messages.toString());
        assertArrayEquals(Files.readAllBytes(last.resolve(LoraDirectory.WEIGHTS_FILE)),
                Files.readAllBytes(run.resolve("checkpoints/step-4").resolve(LoraDirectory.WEIGHTS_FILE)));
        assertArrayEquals(Files.readAllBytes(last.resolve("optimizer.safetensors")),
                Files.readAllBytes(run.resolve("checkpoints/step-4/optimizer.safetensors")));
    }

    @Test
    void aLoraSftRunResumesExactlyAndItsCheckpointsLoadOntoTheBase() throws Exception {
        List<TrainingExample> data = countingData();
        java.util.function.LongFunction<SupervisedConfig> config = steps -> SupervisedConfig.builder().batchSize(4)
                .sequenceLength(16).gradientAccumulation(2).steps(steps).learningRate(3e-2).warmupSteps(1).evalEvery(0)
                .checkpointEvery(2).logEvery(1).seed(7).build();
        Path baseDir = tmp.resolve("base");
        try (CausalLm plain = CausalLm.randomInit(tiny, 3)) {
            Checkpoint.write(baseDir, plain, tok, null, null);
        }
        float[][] trained;
        int[] probe = {3, 4, 5, 6};
        try (CausalLm model = adapted()) {
            SupervisedTrainer t = new SupervisedTrainer(model, config.apply(4), tmp.resolve("straight"), 0,
                    ProgressListener.silent());
            double before = t.evaluate(data);
            int arrays = model.manager().getManagedArrays().size();
            t.train(data, List.of());
            assertEquals(arrays, model.manager().getManagedArrays().size(), "no arrays left behind by training");
            assertTrue(t.evaluate(data) < before, "the adapter learns");
            trained = model.logits(probe);
        }
        Path last = tmp.resolve("straight/checkpoints/step-4");
        try (CausalLm model = Checkpoint.loadAdapter(last, baseDir).model()) {
            assertArrayEquals(trained, model.logits(probe), "an SFT checkpoint is an adapter directory of its base");
        }
        Path run = tmp.resolve("interrupted");
        try (CausalLm model = adapted()) {
            new SupervisedTrainer(model, config.apply(2), run, 0, ProgressListener.silent()).train(data, List.of());
        }
        try (CausalLm model = adapted()) {
            new SupervisedTrainer(model, config.apply(4), run, 0, ProgressListener.silent()).train(data, List.of());
        }
        assertArrayEquals(Files.readAllBytes(last.resolve(LoraDirectory.WEIGHTS_FILE)),
                Files.readAllBytes(run.resolve("checkpoints/step-4").resolve(LoraDirectory.WEIGHTS_FILE)));
    }

    @Test
    void aLoraSftRunOnAnF16BaseLearnsWithAnFp32AdapterAndLeavesNoArraysBehind() {
        List<TrainingExample> data = countingData();
        SupervisedConfig config = SupervisedConfig.builder().batchSize(4).sequenceLength(16).steps(6).learningRate(3e-2)
                .warmupSteps(1).evalEvery(0).checkpointEvery(3).logEvery(1).seed(7).build();
        try (CausalLm model = adapted(Precision.F16)) {
            for (NDArray p : model.trainableParameters()) {
                assertEquals(DataType.FLOAT32, p.getDataType(), "the adapter trains in float32");
            }
            SupervisedTrainer t = new SupervisedTrainer(model, config, tmp.resolve("sft16"), 0, ProgressListener.silent());
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
    void fullFineTuningWithAnF16ReferenceCopyTrainsTheFp32Policy() {
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(3).groupSize(3).maxNewTokens(3).learningRate(0.05)
                .rewardThreads(2).microBatchSize(5).checkpointEvery(0).samplesPerStep(0).steps(2).beta(0.05).build();
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) {
            GrpoTrainer.Result r = grpo(model, config, tmp.resolve("full16"), ProgressListener.silent(), Precision.F16);
            assertTrue(Double.isFinite(r.lastMetrics().get("kl")) && r.lastMetrics().get("kl") >= 0, r.lastMetrics().toString());
            assertEquals(Precision.FP32, model.storedPrecision(), "the policy itself stays float32");
        }
    }
}
