package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.BadInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TransformerConfigTest {

    /** A Qwen2 config.json as Hugging Face writes it, trimmed to a tiny model. */
    static final String QWEN2 = """
            {
              "architectures": ["Qwen2ForCausalLM"],
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151645,
              "hidden_act": "silu",
              "hidden_size": 64,
              "initializer_range": 0.02,
              "intermediate_size": 160,
              "max_position_embeddings": 4096,
              "max_window_layers": 21,
              "model_type": "qwen2",
              "num_attention_heads": 8,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_scaling": null,
              "rope_theta": 1000000.0,
              "sliding_window": 4096,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.45.0",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 100
            }
            """;

    @Test
    void readsHuggingFaceFieldsAndRoundTrips() {
        TransformerConfig c = TransformerConfig.fromJson(QWEN2, Path.of("config.json"));
        assertEquals(ModelFamily.QWEN2, c.family());
        assertEquals(8, c.headDim());
        assertEquals(4, c.queriesPerKeyValueHead());
        assertEquals(1_000_000.0, c.ropeTheta());
        assertTrue(c.qkvBias());
        assertFalse(c.outputProjectionBias());
        assertEquals(151645, c.eosTokenId());
        assertEquals(21, c.extra().get("max_window_layers"));
        TransformerConfig back = TransformerConfig.fromJson(c.toJson(), null);
        assertEquals(c, back);
    }

    @Test
    void llamaBiasesAndNewerRopeParameters() {
        String llama = """
                {"model_type": "llama", "vocab_size": 32, "hidden_size": 16, "intermediate_size": 24,
                 "num_hidden_layers": 1, "num_attention_heads": 2, "attention_bias": true, "mlp_bias": true,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}, "eos_token_id": [2, 3]}
                """;
        TransformerConfig c = TransformerConfig.fromJson(llama, null);
        assertTrue(c.qkvBias() && c.outputProjectionBias() && c.mlpBias());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(2, c.eosTokenId());
        assertEquals(2048, c.maxPositionEmbeddings());
    }

    @Test
    void parameterCountMatchesTheTensorsAndFlopsFollowTheDocumentedFormula() {
        TransformerConfig c = TransformerConfig.fromJson(QWEN2, null);
        long fromShapes = dev.r1j.rl.model.internal.DecoderWeights.hfShapes(c).values().stream().mapToLong(s -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }).sum();
        assertEquals(fromShapes, c.parameterCount());
        long perLayer = 64L * (64 + 2 * 16) + 64L * 64 + 3L * 64 * 160;
        long expected = 2 * (2 * perLayer + 100L * 64) + 4L * 2 * 64 * 10;
        assertEquals(expected, c.forwardFlopsPerToken(10));
    }

    @Test
    void mathChangingFieldsAreRejectedWithTheirName() {
        assertRejected(QWEN2.replace("\"qwen2\"", "\"gpt_neox\""), "model_type");
        assertRejected(QWEN2.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}"),
                "rope_scaling");
        assertRejected(QWEN2.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"), "use_sliding_window");
        assertRejected(QWEN2.replace("\"silu\"", "\"gelu\""), "hidden_act");
        assertRejected(QWEN2.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"), "num_key_value_heads");
        assertRejected(QWEN2.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\""), "hidden_size");
        assertRejected(QWEN2.replace("\"vocab_size\": 100", "\"vocab_size\": -1"), "vocab_size");
        assertRejected(QWEN2.replace("\"vocab_size\": 100", "\"unused\": 1"), "vocab_size");
        assertRejected(QWEN2.replace("\"attention_dropout\": 0.0", "\"attention_dropout\": 0.1"), "attention_dropout");
        assertRejected("[1, 2]", "JSON object");
        assertRejected("{\"model_type\": ", "not valid JSON");
    }

    private static void assertRejected(String json, String fragment) {
        BadInputException e = assertThrows(BadInputException.class, () -> TransformerConfig.fromJson(json, Path.of("cfg.json")));
        assertTrue(e.getMessage().contains("cfg.json") && e.getMessage().contains(fragment), e.getMessage());
    }
}
