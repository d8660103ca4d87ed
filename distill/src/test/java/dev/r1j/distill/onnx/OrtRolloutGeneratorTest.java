package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX Runtime rollout engine against the DJL engine on the same policy: greedy completions token
 * for token (full weights and a LoRA adapter folded in on the fly), for both ways of feeding the weights,
 * and again after the policy changed and the engine was told so (and not before it was told); and
 * greedy completions of every family variant the export's parity test covers.
 */
class OrtRolloutGeneratorTest {

    @TempDir
    Path tmp;

    private HfTokenizer tok;
    private static final List<String> PROMPTS = List.of("ab1", "c 2 d", "q");

    @BeforeEach
    void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("abcdefq012 ").writeTo(tmp.resolve("tok"));
    }

    private TransformerConfig config(ModelFamily family) {
        TransformerConfig.Builder b = TransformerConfig.builder().family(family).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(40).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
                .maxPositionEmbeddings(48).eosTokenId(tok.eosId()).padTokenId(tok.padId());
        return family == ModelFamily.QWEN3 ? b.headDim(6).tieWordEmbeddings(false).build() : b.build();
    }

    /** A policy with spread, so that greedy choices are clear and wrong wiring would show. */
    private CausalLm policy(ModelFamily family, long seed) {
        return OnnxParityTest.spreadModel(config(family), seed);
    }

    private static List<List<Integer>> tokens(List<Completion> cs) {
        return cs.stream().map(c -> java.util.Arrays.stream(c.tokenIds()).boxed().toList()).toList();
    }

    private static void perturb(List<NDArray> params, long seed) {
        boolean grad = Engines.gradMode(false);
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed((int) seed);
            for (NDArray p : params) {
                NDArray noise = m.randomNormal(0f, 0.3f, p.getShape(), p.getDataType());
                p.set(new NDIndex(":"), p.add(noise));
            }
        } finally {
            Engines.gradMode(grad);
        }
    }

    private void assertSameGreedy(CausalLm model, Generator ort, String what) {
        SamplingParams greedy = SamplingParams.greedy(12);
        try (DjlGenerator djl = new DjlGenerator(model, tok)) {
            List<Completion> expected = djl.generate(PROMPTS, 2, greedy);
            List<Completion> actual = ort.generate(PROMPTS, 2, greedy);
            assertEquals(tokens(expected), tokens(actual), what);
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i).logProbs(), actual.get(i).logProbs(), 1e-4f, what + ": log-probs of row " + i);
                assertEquals(expected.get(i).finishReason(), actual.get(i).finishReason(), what);
            }
        }
    }

    @Test
    void greedyRolloutsEqualTheDjlEnginesAndFollowTheWeightsWhenTold() {
        for (ModelFamily family : List.of(ModelFamily.QWEN2, ModelFamily.QWEN3)) {
            for (WeightFeed feed : WeightFeed.values()) {
                String what = family + " " + feed;
                try (CausalLm model = policy(family, 5);
                     OrtRolloutGenerator ort = new OrtRolloutGenerator(model, tok, 4, feed, 1)) {
                    assertEquals(OrtRolloutGenerator.weightBytes(model.config()), ort.weightBytes(), what);
                    assertSameGreedy(model, ort, what);
                    List<List<Integer>> before = tokens(ort.generate(PROMPTS, 1, SamplingParams.greedy(12)));
                    perturb(model.trainableParameters(), 9);
                    // Not told yet: still the old weights.
                    assertEquals(before, tokens(ort.generate(PROMPTS, 1, SamplingParams.greedy(12))), what + ": stale copy");
                    ort.weightsChanged();
                    List<List<Integer>> after = tokens(ort.generate(PROMPTS, 1, SamplingParams.greedy(12)));
                    assertNotEquals(before, after, what + ": the perturbation must change greedy output");
                    assertSameGreedy(model, ort, what + " after the update");
                }
            }
        }
    }

    /**
     * The rollout graph differs from the exported one (its own rotary kernel, the cache in slots, the
     * sampler), so every family variant of the export's parity test is decoded on it too.
     */
    @Test
    void greedyRolloutsEqualTheDjlEnginesOnEveryFamilyVariant() {
        long seed = 41;
        for (String variant : OnnxFamilyParityTest.variants().toList()) {
            try (CausalLm model = OnnxParityTest.spreadModel(OnnxFamilyParityTest.familyConfig(variant, tok.vocabSize()), seed++);
                 OrtRolloutGenerator ort = new OrtRolloutGenerator(model, tok, 4, WeightFeed.EXTERNAL_INITIALIZERS, 1)) {
                assertSameGreedy(model, ort, variant);
            }
        }
    }

    @Test
    void aLoraPolicyIsSampledWithItsAdapterFoldedIn() {
        try (CausalLm model = policy(ModelFamily.QWEN2, 7)) {
            LoraAdapter adapter = LoraAdapter.create(model, LoraConfig.builder().rank(2).alpha(8).build(),
                    LoraBase.of(tmp.resolve("base")), 3);
            perturb(adapter.parameters(), 4); // B = 0 in a fresh adapter; a trained one adds something
            try (OrtRolloutGenerator ort = new OrtRolloutGenerator(model, tok, 64, OrtRolloutGenerator.DEFAULT_FEED, 1);
                 CausalLm base = model.withAdapter(null); DjlGenerator plain = new DjlGenerator(base, tok)) {
                assertNotEquals(tokens(plain.generate(PROMPTS, 1, SamplingParams.greedy(12))),
                        tokens(ort.generate(PROMPTS, 1, SamplingParams.greedy(12))), "the adapter must matter");
                assertSameGreedy(model, ort, "LoRA");
                // Seeded sampling follows the same streams on both engines.
                SamplingParams sampled = SamplingParams.builder().maxNewTokens(10).temperature(0.8).topP(0.9).seed(17).build();
                try (DjlGenerator djl = new DjlGenerator(model, tok)) {
                    assertEquals(tokens(djl.generate(PROMPTS, 3, sampled)), tokens(ort.generate(PROMPTS, 3, sampled)));
                }
            }
            assertTrue(LoraAdapter.of(model).isPresent(), "the policy keeps its adapter: nothing was merged into it");
        }
    }
}
