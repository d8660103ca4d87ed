package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoTrainerTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private TransformerConfig tiny;

    /** Full credit when the completion starts with 'a': learnable from the first token alone. */
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
        tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(16).intermediateSize(32).numHiddenLayers(1)
                .numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(32).eosTokenId(tok.eosId())
                .padTokenId(tok.padId()).build();
    }

    private GrpoConfig.Builder config() {
        return GrpoConfig.builder().promptsPerStep(4).groupSize(4).maxNewTokens(3).learningRate(0.02).rewardThreads(2)
                .microBatchSize(5).checkpointEvery(2).samplesPerStep(2);
    }

    private GrpoTrainer.Result train(CausalLm model, GrpoConfig config, Reward reward, Path run, ProgressListener progress) {
        try (DjlGenerator gen = new DjlGenerator(model, tok)) {
            return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, reward, PROMPTS, config, run, progress).train();
        }
    }

    private double probabilityOfA(CausalLm model) {
        int[] prompt = tok.encode(PromptTemplate.DEFAULT.render("q0"));
        float[] last = model.logits(prompt)[prompt.length - 1];
        double max = Double.NEGATIVE_INFINITY;
        for (float v : last) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : last) {
            z += Math.exp(v - max);
        }
        return Math.exp(last[tok.encode("a")[0]] - max) / z;
    }

    @Test
    void aTriviallyLearnableRewardIsLearned() throws Exception {
        try (CausalLm model = CausalLm.randomInit(tiny, 7)) {
            double before = probabilityOfA(model);
            GrpoTrainer.Result r = train(model, config().steps(16).lossAggregation(LossAggregation.TOKEN_MEAN).build(),
                    STARTS_WITH_A, tmp.resolve("run"), ProgressListener.silent());
            double after = probabilityOfA(model);
            assertTrue(after > before + 0.3, "P(a) before " + before + ", after " + after);
            assertEquals(16, r.steps());
        }
        Path run = tmp.resolve("run");
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(16, metrics.size());
        var last = new ObjectMapper().readTree(metrics.get(15));
        for (String field : List.of("reward", "accuracy", "think_rate", "check_rate", "correction_rate", "length_mean",
                "length_max", "clipped_share", "zero_spread_share", "clip_low", "clip_high", "entropy", "lr", "grad_norm",
                "tokens_per_second", "generation_seconds", "scoring_seconds", "optimisation_seconds")) {
            assertTrue(last.hasNonNull(field), field + " in " + last);
        }
        assertTrue(last.has("kl"), "kl is logged (null without a reference model)");
        assertEquals(2 * 16, Files.readAllLines(run.resolve("samples.jsonl")).size());
        assertTrue(Files.exists(run.resolve("checkpoints/step-16/model.safetensors")));
        assertTrue(Files.exists(run.resolve("checkpoints/step-16/tokenizer.json")), "checkpoints load as models");
        assertTrue(Files.exists(run.resolve("ledger.json")));
    }

    @Test
    void aRunKilledAndResumedEndsWithTheWeightsOfAnUninterruptedRun() throws Exception {
        GrpoConfig config = config().steps(4).iterations(2).beta(0.05).dynamicSampling(true).build();
        float[] straight;
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) {
            train(model, config, STARTS_WITH_A, tmp.resolve("straight"), ProgressListener.silent());
            straight = flatten(model.hfTensors());
        }
        Path run = tmp.resolve("killed");
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) {
            ProgressListener killer = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    if (step == 3) {
                        throw new IllegalStateException("killed");
                    }
                }
            };
            assertThrows(IllegalStateException.class, () -> train(model, config, STARTS_WITH_A, run, killer));
        }
        List<String> messages = new ArrayList<>();
        float[] resumed;
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) { // the initial policy: the KL reference is rebuilt from it
            train(model, config, STARTS_WITH_A, run, ProgressListener.lines(messages::add));
            resumed = flatten(model.hfTensors());
        }
        assertTrue(messages.get(0).contains("resuming") && messages.get(0).contains("step 2"), messages.toString());
        assertArrayEquals(straight, resumed, 0f);
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(4, metrics.size(), "the killed step's line is replaced, not repeated");
        assertEquals(Files.readAllLines(tmp.resolve("straight/metrics.jsonl")).stream().map(GrpoTrainerTest::reward).toList(),
                metrics.stream().map(GrpoTrainerTest::reward).toList(), "same samples, same rewards");
    }

    @Test
    void aBatchWhereEveryGroupAgreesChangesNothingAndDoesNotCrash() throws Exception {
        Reward always = (p, text) -> RewardResult.correct(text, "always");
        try (CausalLm model = CausalLm.randomInit(tiny, 5)) {
            float[] before = flatten(model.hfTensors());
            GrpoTrainer.Result r = train(model, config().steps(2).dynamicSampling(true).maxSamplingRounds(2).build(), always,
                    tmp.resolve("flat"), ProgressListener.silent());
            assertArrayEquals(before, flatten(model.hfTensors()), 0f, "zero advantages, no weight decay: no change");
            assertEquals(1.0, r.lastMetrics().get("zero_spread_share"));
            assertEquals(2.0, r.lastMetrics().get("sampling_rounds"), "dynamic sampling tried its bound, then stopped");
            assertEquals(0.0, r.lastMetrics().get("grad_norm"));
        }
    }

    @Test
    void clippingIsMeasuredOnTheLaterPasses() {
        try (CausalLm model = CausalLm.randomInit(tiny, 11)) {
            // A large step between the passes moves ratios far from 1; with mu = 1 they are exactly 1.
            GrpoTrainer.Result twoPasses = train(model, config().steps(2).iterations(3).learningRate(0.05).epsilonLow(0.05)
                    .epsilonHigh(0.05).build(), STARTS_WITH_A, tmp.resolve("clip2"), ProgressListener.silent());
            assertTrue(twoPasses.lastMetrics().get("clip_low") + twoPasses.lastMetrics().get("clip_high") > 0,
                    twoPasses.lastMetrics().toString());
        }
        try (CausalLm model = CausalLm.randomInit(tiny, 11)) {
            GrpoTrainer.Result onePass = train(model, config().steps(2).learningRate(0.05).build(), STARTS_WITH_A,
                    tmp.resolve("clip1"), ProgressListener.silent());
            assertEquals(0.0, onePass.lastMetrics().get("clip_low") + onePass.lastMetrics().get("clip_high"));
        }
    }

    /**
     * With one pass every policy loss is the plain policy gradient (ratio 1), so the three give the same
     * weights; with three passes and a large step the ratios move and each gives its own.
     */
    @Test
    void policyLossesAgreeWithOnePassAndDifferWithSeveral() {
        for (int passes : new int[] {1, 3}) {
            Map<PolicyLoss, float[]> weights = new EnumMap<>(PolicyLoss.class);
            for (PolicyLoss loss : PolicyLoss.values()) {
                try (CausalLm model = CausalLm.randomInit(tiny, 11)) {
                    GrpoTrainer.Result r = train(model, config().steps(2).iterations(passes).learningRate(0.05)
                                    .epsilonLow(0.05).epsilonHigh(0.05).policyLoss(loss).checkpointEvery(0).build(),
                            STARTS_WITH_A, tmp.resolve("loss-" + loss + "-" + passes), ProgressListener.silent());
                    assertTrue(Double.isFinite(r.lastMetrics().get("loss")), loss + ": " + r.lastMetrics());
                    weights.put(loss, flatten(model.hfTensors()));
                }
            }
            for (PolicyLoss loss : List.of(PolicyLoss.GSPO, PolicyLoss.CISPO)) {
                float maxDiff = 0;
                float[] a = weights.get(PolicyLoss.PPO_CLIP);
                float[] b = weights.get(loss);
                for (int i = 0; i < a.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                }
                if (passes == 1) {
                    assertEquals(0, maxDiff, 1e-5, loss + " with one pass: weights differ from PPO_CLIP's");
                } else {
                    assertTrue(maxDiff > 1e-3, loss + " with three passes: weights equal PPO_CLIP's to " + maxDiff);
                }
            }
        }
    }

    @Test
    void stepsLeaveNoArraysBehind() {
        try (CausalLm model = CausalLm.randomInit(tiny, 9)) {
            int[] arrays = new int[7];
            ProgressListener counter = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    arrays[(int) step] = model.manager().getManagedArrays().size();
                }
            };
            train(model, config().steps(6).iterations(2).beta(0.1).build(), STARTS_WITH_A, tmp.resolve("leak"), counter);
            assertEquals(arrays[2], arrays[6], "arrays held after step 2 and after step 6");
        }
    }

    @Test
    void theLossDoesNotDependOnTheLogitsChunk() {
        // Two passes and a KL term: the sampling policy's and the reference's log-probs are chunked too.
        GrpoConfig base = config().steps(2).iterations(2).beta(0.1).checkpointEvery(0).build();
        Map<String, Double> wholeMetrics = null;
        float[] whole = null;
        for (int chunk : new int[] {1024, 1, 3}) {
            try (CausalLm model = CausalLm.randomInit(tiny, 13)) {
                GrpoTrainer.Result r = train(model, base.toBuilder().logitsChunk(chunk).build(), STARTS_WITH_A,
                        tmp.resolve("chunk-" + chunk), ProgressListener.silent());
                float[] weights = flatten(model.hfTensors());
                if (whole == null) {
                    wholeMetrics = r.lastMetrics();
                    whole = weights;
                    assertTrue(Math.abs(wholeMetrics.get("loss")) > 1e-6, "a loss that can differ: " + wholeMetrics);
                    continue;
                }
                for (String k : List.of("loss", "entropy", "kl", "grad_norm", "reward")) {
                    assertEquals(wholeMetrics.get(k), r.lastMetrics().get(k), 1e-5, k + " with logits_chunk " + chunk);
                }
                assertArrayEquals(whole, weights, 1e-5f, "weights after two steps with logits_chunk " + chunk);
            }
        }
    }

    @Test
    void memoryReturnsToItsBaselineAfterGenerationAndAfterEachStep() {
        ai.djl.ndarray.NDManager engine;
        try (ai.djl.ndarray.NDManager probe = ai.djl.ndarray.NDManager.newBaseManager()) {
            engine = probe.getParentManager(); // the engine's system manager: every array of the process
        }
        try (CausalLm model = CausalLm.randomInit(tiny, 9); DjlGenerator gen = new DjlGenerator(model, tok)) {
            List<int[]> generation = new ArrayList<>();   // engine arrays before and after each generation
            List<Integer> afterStep = new ArrayList<>();
            dev.r1j.rl.generate.Generator counting = (prompts, n, params) -> {
                int before = engine.getManagedArrays().size();
                var out = gen.generate(prompts, n, params);
                generation.add(new int[] {before, engine.getManagedArrays().size()});
                return out;
            };
            ProgressListener counter = new ProgressListener() {
                @Override
                public void step(long step, Map<String, Double> figures) {
                    afterStep.add(engine.getManagedArrays().size());
                }
            };
            new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, counting, STARTS_WITH_A, PROMPTS,
                    config().steps(4).iterations(2).beta(0.1).checkpointEvery(0).build(), tmp.resolve("mem"), counter).train();
            assertEquals(4, generation.size());
            for (int[] g : generation) {
                assertEquals(g[0], g[1], "the KV cache and every decoding temporary are freed when generation returns");
            }
            // Step 1 creates the gradients and AdamW moments; from then on nothing grows.
            assertEquals(List.of(afterStep.get(0), afterStep.get(0), afterStep.get(0)), afterStep.subList(1, 4),
                    "engine arrays after each optimisation step");
            assertEquals(generation.get(1)[0], generation.get(3)[0], "engine arrays when each later step starts generating");
        }
    }

    private static double reward(String line) {
        try {
            return new ObjectMapper().readTree(line).get("reward").asDouble();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] flatten(Map<String, float[]> tensors) {
        int n = tensors.values().stream().mapToInt(t -> t.length).sum();
        float[] out = new float[n];
        int i = 0;
        for (String k : new java.util.TreeSet<>(tensors.keySet())) {
            float[] t = tensors.get(k);
            System.arraycopy(t, 0, out, i, t.length);
            i += t.length;
        }
        return out;
    }
}
