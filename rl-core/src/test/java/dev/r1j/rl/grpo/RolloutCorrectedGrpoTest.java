package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with a rollout correction on the DJL engine, whose log-probs agree with the trainer's to float
 * rounding: the weights are 1 to rounding, so the loss and the weights are those without the correction;
 * an engine that disagrees is corrected and its mismatch logged.
 */
class RolloutCorrectedGrpoTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private TransformerConfig tiny;

    @BeforeEach
    void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("abcdq012 ").writeTo(tmp.resolve("tok"));
        tiny = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1)
                .maxPositionEmbeddings(32).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
    }

    private GrpoConfig config(RolloutCorrection correction, double temperature) {
        return config(correction, temperature, 2);
    }

    /** With mu = 1, token weights come from the training pass itself; otherwise from a forward of their own. */
    private GrpoConfig config(RolloutCorrection correction, double temperature, int iterations) {
        return GrpoConfig.builder().promptsPerStep(3).groupSize(4).maxNewTokens(4).learningRate(0.02).rewardThreads(1)
                .microBatchSize(5).checkpointEvery(0).samplesPerStep(0).steps(2).iterations(iterations).temperature(temperature)
                .rolloutCorrection(correction).build();
    }

    private Map<String, Double> train(CausalLm model, GrpoConfig config, Generator gen, String run) {
        return new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, GrpoTrainerTest.STARTS_WITH_A,
                GrpoTrainerTest.PROMPTS, config, tmp.resolve(run), ProgressListener.silent()).train().lastMetrics();
    }

    @Test
    void onTheTrainersOwnEngineTheCorrectionChangesNothing() {
        record Case(int mu, double temperature, RolloutCorrection correction) {}
        List<Case> cases = new java.util.ArrayList<>();
        for (int mu : new int[] {1, 2}) {
            for (double temperature : new double[] {1.0, 0.7}) {
                for (RolloutCorrection c : List.of(RolloutCorrection.TOKEN, RolloutCorrection.SEQUENCE)) {
                    cases.add(new Case(mu, temperature, c));
                }
            }
        }
        for (Case c : cases) {
            int mu = c.mu();
            double temperature = c.temperature();
            RolloutCorrection correction = c.correction();
            {
                String what = correction + " at temperature " + temperature + ", mu " + mu;
                Map<String, Double> plain;
                float[] plainWeights;
                try (CausalLm model = CausalLm.randomInit(tiny, 3); DjlGenerator gen = new DjlGenerator(model, tok)) {
                    plain = train(model, config(RolloutCorrection.NONE, temperature, mu), gen, "none-" + what);
                    plainWeights = flat(model);
                }
                try (CausalLm model = CausalLm.randomInit(tiny, 3); DjlGenerator gen = new DjlGenerator(model, tok)) {
                    Map<String, Double> corrected = train(model, config(correction, temperature, mu), gen, what);
                    assertTrue(plain.get("grad_norm") > 1e-3, what + ": a gradient that can differ: " + plain);
                    assertEquals(plain.get("loss"), corrected.get("loss"), 1e-6, what + ": loss");
                    assertEquals(plain.get("grad_norm"), corrected.get("grad_norm"), 1e-5, what + ": grad norm");
                    // The engine's log-probs (cached decoding) and the trainer's (one pass) differ by rounding only.
                    assertTrue(corrected.get("rollout_kl") >= 0 && corrected.get("rollout_kl") < 1e-9, what + ": " + corrected);
                    assertEquals(0.0, corrected.get("rollout_capped_share"), what);
                    // AdamW divides by the gradient's own scale, so rounding-level differences reach the weights as ~1e-5
                    assertArrayEquals(plainWeights, flat(model), 1e-4f, what + ": weights");
                    assertTrue(Double.isNaN(plain.get("rollout_kl")), "no correction, no mismatch figure");
                }
            }
        }
    }

    @Test
    void anEngineThatDisagreesIsWeightedAndItsMismatchLogged() {
        // The engine claims every token was half as likely as it was: every weight is 2, capped at 1.5,
        // so one step's gradient is 1.5 times the uncorrected one.
        GrpoConfig oneStep = config(RolloutCorrection.NONE, 1.0).toBuilder().steps(1).iterations(1).build();
        Map<String, Double> plain;
        Map<String, Double> corrected;
        try (CausalLm model = CausalLm.randomInit(tiny, 3); DjlGenerator gen = new DjlGenerator(model, tok)) {
            plain = train(model, oneStep, gen, "plain");
        }
        try (CausalLm model = CausalLm.randomInit(tiny, 3); DjlGenerator inner = new DjlGenerator(model, tok)) {
            Generator halved = new Generator() {
                @Override
                public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
                    return inner.generate(prompts, n, params).stream().map(c -> {
                        float[] lp = c.logProbs();
                        for (int i = 0; i < lp.length; i++) {
                            lp[i] -= (float) Math.log(2);
                        }
                        return new Completion(c.promptIndex(), c.text(), c.tokenIds(), lp, c.finishReason());
                    }).toList();
                }
            };
            corrected = train(model, oneStep.toBuilder().rolloutCorrection(RolloutCorrection.TOKEN).rolloutIsCap(1.5).build(),
                    halved, "halved");
        }
        assertEquals(1.0, corrected.get("rollout_capped_share"), 1e-12);
        assertEquals(2 - Math.log(2) - 1, corrected.get("rollout_kl"), 1e-5); // k3 at d = ln 2
        assertTrue(plain.get("grad_norm") > 1e-3, plain.toString());
        assertEquals(1.5 * plain.get("grad_norm"), corrected.get("grad_norm"), 1e-5 * plain.get("grad_norm"));
        assertEquals(1.5 * plain.get("loss"), corrected.get("loss"), 1e-6);
    }

    private static float[] flat(CausalLm model) {
        @SuppressWarnings("deprecation")
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
}
