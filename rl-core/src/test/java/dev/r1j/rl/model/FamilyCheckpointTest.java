package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of each added family written and read back: config.json keeps the rotary scaling and
 * the window, the safetensors carry qwen3's q_norm/k_norm under their Hugging Face names, and the
 * reloaded model computes the same logits.
 */
class FamilyCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void qwen3WithYarnAndMistralWithAWindowRoundTrip() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abcdefghij0123456789").writeTo(tmp.resolve("tok"));
        TransformerConfig.Builder b = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(32)
                .intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(64);
        TransformerConfig[] configs = {
            b.family(ModelFamily.QWEN3).headDim(12).ropeScaling(RopeScaling.Yarn.of(4, 16)).build(),
            b.family(ModelFamily.MISTRAL).headDim(8).ropeScaling(new RopeScaling.Llama3(8, 1, 4, 32)).slidingWindow(3).build()};
        int[] ids = {3, 1, 4, 1, 5, 9, 2, 6};
        for (TransformerConfig c : configs) {
            Path dir = tmp.resolve(c.family().modelType());
            try (CausalLm model = ModelParityTest.randomModel(c, 8)) {
                Checkpoint.write(dir, model, tok, null, null);
                String json = Files.readString(dir.resolve("config.json"));
                assertTrue(json.contains("\"rope_scaling\""), json);
                try (CausalLm back = Checkpoint.loadModel(dir)) {
                    assertEquals(c, back.config());
                    assertEquals(model.hfTensors().keySet(), back.hfTensors().keySet());
                    if (c.queryKeyNorm()) {
                        assertArrayEquals(model.hfTensors().get("model.layers.1.self_attn.k_norm.weight"),
                                back.hfTensors().get("model.layers.1.self_attn.k_norm.weight"));
                    }
                    float[][] expected = model.logits(ids);
                    float[][] actual = back.logits(ids);
                    for (int i = 0; i < ids.length; i++) {
                        assertArrayEquals(expected[i], actual[i], 0f, c.family() + " position " + i);
                    }
                }
            }
        }
    }
}
