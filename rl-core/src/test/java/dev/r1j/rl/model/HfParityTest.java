package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits against Hugging Face transformers itself: random tiny checkpoints saved by transformers
 * (config.json and safetensors exactly as it writes them, BF16 included) with the logits of its own
 * forward pass. The fixtures and the script that made them are in test resources {@code hf-parity/}.
 */
class HfParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-gqa-tied", "qwen2-gqa-untied", "llama-mha-bias", "qwen2-bf16"})
    void logitsMatchTransformers(String name) throws Exception {
        Path dir = Path.of(HfParityTest.class.getResource("/hf-parity/" + name + "/config.json").toURI()).getParent();
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int[] ids = new int[expected.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = expected.get("ids").get(i).asInt();
        }
        try (CausalLm model = Checkpoint.loadModel(dir)) {
            float[][] actual = model.logits(ids);
            JsonNode rows = expected.get("logits");
            assertEquals(rows.size(), actual.length);
            double maxDiff = 0;
            for (int i = 0; i < actual.length; i++) {
                assertEquals(rows.get(i).size(), actual[i].length);
                for (int v = 0; v < actual[i].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[i][v] - rows.get(i).get(v).asDouble()));
                }
            }
            assertTrue(maxDiff < 1e-4, name + ": max abs diff " + maxDiff + " against transformers "
                    + expected.get("transformers").asText());
        }
    }
}
