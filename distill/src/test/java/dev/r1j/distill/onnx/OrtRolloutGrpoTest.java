package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.grpo.RolloutCorrection;
import dev.r1j.rl.grpo.RolloutEngine;
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
 * GRPO sampling on ONNX Runtime: the engine's log-probs agree with the trainer's to rounding (so the
 * logged mismatch is tiny and nothing is capped), and a run killed after a checkpoint and resumed ends
 * with exactly the weights of an uninterrupted one.
 */
class OrtRolloutGrpoTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private TransformerConfig tiny;

    static final Reward STARTS_WITH_A = (p, text) -> text.startsWith("a") ? RewardResult.correct("a", "starts with a")
            : RewardResult.wrong(text.isEmpty() ? "" : text.substring(0, 1), "does not");

    static final ProblemStream PROMPTS = (step, round, count) -> {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Problem.of("p" + step + "-" + round + "-" + i, "q" + (i % 3), "a", TaskKind.MATH));
        }
        return out;
    };

    @BeforeEach
    void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("abcdq012 ").writeTo(tmp.resolve("tok"));
        tiny = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1)
                .maxPositionEmbeddings(32).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
    }

    private GrpoConfig config() {
        return GrpoConfig.builder().promptsPerStep(3).groupSize(4).maxNewTokens(4).learningRate(0.02).rewardThreads(1)
                .microBatchSize(5).checkpointEvery(2).samplesPerStep(2).steps(3).iterations(2).temperature(0.9)
                .rolloutEngine(RolloutEngine.ONNX_RUNTIME).build();
    }

    private GrpoTrainer.Result train(CausalLm model, Path run, ProgressListener progress) {
        try (OrtRolloutGenerator gen = new OrtRolloutGenerator(model, tok, 64, OrtRolloutGenerator.DEFAULT_FEED, 1)) {
            return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, STARTS_WITH_A, PROMPTS, config(), run, progress)
                    .train();
        }
    }

    @SuppressWarnings("deprecation")
    private static float[] weights(CausalLm model) {
        Map<String, float[]> t = model.hfTensors();
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
    void aRunWithOnnxRuntimeRolloutsResumesExactlyAndLogsTheMismatch() {
        assertEquals(RolloutCorrection.TOKEN, config().rolloutCorrection(), "the engine's default correction");
        float[] straight;
        try (CausalLm model = CausalLm.randomInit(tiny, 13)) {
            Map<String, Double> m = train(model, tmp.resolve("straight"), ProgressListener.silent()).lastMetrics();
            straight = weights(model);
            assertTrue(m.get("rollout_kl") >= 0 && m.get("rollout_kl") < 1e-8, m.toString());
            assertEquals(0.0, m.get("rollout_capped_share"), m.toString());
            assertTrue(m.get("grad_norm") > 1e-4, "a run that trains: " + m);
        }
        Path run = tmp.resolve("killed");
        try (CausalLm model = CausalLm.randomInit(tiny, 13)) {
            ProgressListener killer = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    if (step == 3) { // after the checkpoint of step 2
                        throw new IllegalStateException("killed");
                    }
                }
            };
            assertThrows(IllegalStateException.class, () -> train(model, run, killer));
        }
        List<String> messages = new ArrayList<>();
        try (CausalLm model = CausalLm.randomInit(tiny, 13)) {
            train(model, run, ProgressListener.lines(messages::add));
            assertTrue(messages.get(0).contains("resuming") && messages.get(0).contains("step 2"), messages.toString());
            assertArrayEquals(straight, weights(model), 0f);
        }
    }
}
