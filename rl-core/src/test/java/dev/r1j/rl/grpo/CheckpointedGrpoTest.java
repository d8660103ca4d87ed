package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with {@code gradient_checkpointing}: the same losses, figures and weights as without it, for
 * full fine-tuning and a LoRA adapter, exact resume, and no arrays left behind.
 */
class CheckpointedGrpoTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private TransformerConfig tiny;

    @BeforeEach
    void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("abcdq012 ").writeTo(tmp.resolve("tok"));
        tiny = TransformerConfig.builder().family(ModelFamily.QWEN3).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).headDim(8)
                .maxPositionEmbeddings(32).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
    }

    private GrpoConfig config(int steps, boolean checkpointing) {
        return GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(3).learningRate(0.02).rewardThreads(2)
                .microBatchSize(5).checkpointEvery(2).samplesPerStep(2).steps(steps).iterations(2).beta(0.1)
                .gradientCheckpointing(checkpointing).build();
    }

    private GrpoTrainer.Result train(CausalLm model, GrpoConfig config, Path run, ProgressListener progress) {
        try (DjlGenerator gen = new DjlGenerator(model, tok)) {
            return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, GrpoTrainerTest.STARTS_WITH_A,
                    GrpoTrainerTest.PROMPTS, config, run, progress)
                    .train();
        }
    }

    private CausalLm model(boolean lora) {
        CausalLm model = CausalLm.randomInit(tiny, 13);
        if (lora) {
            LoraAdapter.create(model, LoraConfig.builder().rank(2).build(), LoraBase.of(tmp.resolve("base")), 5);
        }
        return model;
    }

    private static float[] weights(CausalLm model) {
        Map<String, float[]> t = LoraAdapter.of(model).map(LoraAdapter::peftTensors).orElseGet(model::hfTensors);
        int n = t.values().stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] a : t.values()) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    @Test
    void twoStepsGiveTheFiguresAndWeightsOfTheRecordedPass() {
        for (boolean lora : new boolean[] {false, true}) {
            String what = lora ? "LoRA" : "full fine-tuning";
            Map<String, Double> recorded;
            float[] recordedWeights;
            try (CausalLm model = model(lora)) {
                recorded = train(model, config(2, false), tmp.resolve("recorded-" + lora), ProgressListener.silent())
                        .lastMetrics();
                recordedWeights = weights(model);
            }
            try (CausalLm model = model(lora)) {
                Map<String, Double> recomputed = train(model, config(2, true), tmp.resolve("recomputed-" + lora),
                        ProgressListener.silent()).lastMetrics();
                assertTrue(Math.abs(recorded.get("loss")) > 1e-6, what + ": a loss that can differ: " + recorded);
                for (String k : List.of("loss", "entropy", "kl", "grad_norm", "reward")) {
                    assertEquals(recorded.get(k), recomputed.get(k), 1e-5, what + ": " + k);
                }
                assertArrayEquals(recordedWeights, weights(model), 1e-5f, what + ": weights after two steps");
            }
        }
    }

    @Test
    void aRunKilledAndResumedEndsWithTheWeightsOfAnUninterruptedRunAndLeavesNoArrays() {
        float[] straight;
        try (CausalLm model = model(false)) {
            int[] arrays = new int[4];
            ProgressListener counter = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    arrays[(int) step] = model.manager().getManagedArrays().size();
                }
            };
            train(model, config(3, true), tmp.resolve("straight"), counter);
            straight = weights(model);
            assertEquals(arrays[2], arrays[3], "arrays held after step 2 and after step 3");
        }
        Path run = tmp.resolve("killed");
        try (CausalLm model = model(false)) {
            ProgressListener killer = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    if (step == 3) { // after the checkpoint of step 2
                        throw new IllegalStateException("killed");
                    }
                }
            };
            assertThrows(IllegalStateException.class, () -> train(model, config(3, true), run, killer));
        }
        List<String> messages = new ArrayList<>();
        try (CausalLm model = model(false)) {
            train(model, config(3, true), run, ProgressListener.lines(messages::add));
            assertTrue(messages.get(0).contains("resuming") && messages.get(0).contains("step 2"), messages.toString());
            assertArrayEquals(straight, weights(model), 0f);
        }
    }
}
