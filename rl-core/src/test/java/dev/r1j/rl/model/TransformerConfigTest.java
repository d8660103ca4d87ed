package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
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
        assertRejected(QWEN2.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 4}"),
                "rope_scaling.type");
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

    /** Qwen3-0.6B's config.json as published (head_dim 128 while hidden_size / heads is 64). */
    static final String QWEN3_0_6B = """
            {
              "architectures": ["Qwen3ForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 151643,
              "eos_token_id": 151645,
              "head_dim": 128,
              "hidden_act": "silu",
              "hidden_size": 1024,
              "initializer_range": 0.02,
              "intermediate_size": 3072,
              "max_position_embeddings": 40960,
              "max_window_layers": 28,
              "model_type": "qwen3",
              "num_attention_heads": 16,
              "num_hidden_layers": 28,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-06,
              "rope_scaling": null,
              "rope_theta": 1000000,
              "sliding_window": null,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.51.0",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 151936
            }
            """;

    /** Llama-3.2-1B's config.json as published: llama3 rope scaling. */
    static final String LLAMA_3_2_1B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
             "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
             "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
             "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
             "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256}
            """;

    /** Mistral-7B-v0.1's config.json as published: a 4096-position sliding window. */
    static final String MISTRAL_7B = """
            {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768,
             "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
             "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
             "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0", "use_cache": true, "vocab_size": 32000}
            """;

    @Test
    void qwen3HasQueryKeyNormsAndItsOwnHeadDim() {
        TransformerConfig c = TransformerConfig.fromJson(QWEN3_0_6B, null);
        assertEquals(ModelFamily.QWEN3, c.family());
        assertEquals(128, c.headDim());
        assertTrue(c.queryKeyNorm());
        assertFalse(c.qkvBias() || c.outputProjectionBias() || c.mlpBias());
        assertEquals(RopeScaling.NONE, c.ropeScaling());
        // Qwen3-0.6B: 0.6B parameters, 0.44B without the (tied) embedding.
        assertEquals(596_049_920L, c.parameterCount());
        assertEquals(shapeTotal(c), c.parameterCount());
        assertEquals(c, TransformerConfig.fromJson(c.toJson(), null));
        assertTrue(c.toJson().contains("\"sliding_window\" : null") && c.toJson().contains("\"use_sliding_window\" : false"),
                "Qwen's inert window fields are kept");
        // Without head_dim, qwen3 means 128 (Qwen3Config's default), not hidden / heads.
        assertEquals(128, TransformerConfig.fromJson(QWEN3_0_6B.replace("\"head_dim\": 128,", ""), null).headDim());
        TransformerConfig biased = TransformerConfig.fromJson(QWEN3_0_6B.replace("\"attention_bias\": false",
                "\"attention_bias\": true"), null);
        assertTrue(biased.qkvBias() && biased.outputProjectionBias() && !biased.mlpBias());
        assertEquals(shapeTotal(biased), biased.parameterCount());
        // Qwen3's long-context form.
        TransformerConfig yarn = TransformerConfig.fromJson(QWEN3_0_6B.replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768}"), null);
        assertEquals(RopeScaling.Yarn.of(4, 32768), yarn.ropeScaling());
        assertEquals(yarn, TransformerConfig.fromJson(yarn.toJson(), null));
    }

    @Test
    void llamaRopeScalingOfEveryTypeIsReadAndWrittenBack() {
        TransformerConfig c = TransformerConfig.fromJson(LLAMA_3_2_1B, null);
        assertEquals(new RopeScaling.Llama3(32, 1, 4, 8192), c.ropeScaling());
        assertEquals(c, TransformerConfig.fromJson(c.toJson(), null));
        assertEquals(1, c.extra().get("pretraining_tp"));
        TransformerConfig linear = TransformerConfig.fromJson(LLAMA_3_2_1B.replaceAll("(?s)\"rope_scaling\": \\{.*?\\}",
                "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"), null);
        assertEquals(new RopeScaling.Linear(2), linear.ropeScaling());
        assertEquals(linear, TransformerConfig.fromJson(linear.toJson(), null));
        // DeepSeek's yarn form, with the legacy "type" key.
        TransformerConfig yarn = TransformerConfig.fromJson(LLAMA_3_2_1B.replaceAll("(?s)\"rope_scaling\": \\{.*?\\}",
                "\"rope_scaling\": {\"beta_fast\": 32, \"beta_slow\": 1, \"factor\": 40, \"mscale\": 1.0, "
                        + "\"mscale_all_dim\": 0.8, \"original_max_position_embeddings\": 4096, \"type\": \"yarn\"}"), null);
        assertEquals(new RopeScaling.Yarn(40, 4096, 32, 1, 1.0, 0.8, 0, true), yarn.ropeScaling());
        assertEquals(yarn, TransformerConfig.fromJson(yarn.toJson(), null));
        // Newer transformers: rope_parameters carries theta and the scaling.
        TransformerConfig v5 = TransformerConfig.fromJson(LLAMA_3_2_1B.replaceAll("(?s)\"rope_scaling\": \\{.*?\\},", "")
                .replace("\"rope_theta\": 500000.0,", "\"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, "
                        + "\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0, "
                        + "\"original_max_position_embeddings\": 8192},"), null);
        assertEquals(c, v5);
    }

    @Test
    void mistralSlidingWindowIsReadWithTransformersDefault() {
        TransformerConfig c = TransformerConfig.fromJson(MISTRAL_7B, null);
        assertEquals(ModelFamily.MISTRAL, c.family());
        assertEquals(4096, c.slidingWindow());
        assertTrue(c.hasSlidingWindow());
        assertFalse(c.qkvBias() || c.outputProjectionBias() || c.mlpBias() || c.queryKeyNorm());
        assertEquals(128, c.headDim());
        assertEquals(c, TransformerConfig.fromJson(c.toJson(), null));
        assertEquals(shapeTotal(c), c.parameterCount());
        TransformerConfig full = TransformerConfig.fromJson(MISTRAL_7B.replace("\"sliding_window\": 4096", "\"sliding_window\": null"), null);
        assertEquals(0, full.slidingWindow());
        assertEquals(full, TransformerConfig.fromJson(full.toJson(), null));
        assertEquals(4096, TransformerConfig.fromJson(MISTRAL_7B.replace("\"sliding_window\": 4096,", ""), null).slidingWindow(),
                "absent means MistralConfig's default");
        assertEquals(131072, TransformerConfig.fromJson(MISTRAL_7B.replace("\"max_position_embeddings\": 32768,", ""), null)
                .maxPositionEmbeddings());
    }

    @Test
    void unsupportedFamiliesAndScalingsNameTheFieldAndWhatIsSupported() {
        assertRejected(QWEN3_0_6B.replace("\"qwen3\"", "\"deepseek_v3\""), "model_type", "qwen2, llama, qwen3, mistral");
        assertRejected(LLAMA_3_2_1B.replace("\"llama3\"", "\"longrope\""), "rope_scaling.rope_type", "default, linear, llama3, yarn");
        assertRejected(QWEN2.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2.0}"),
                "rope_scaling.rope_type", "'dynamic' is not supported");
        assertRejected(LLAMA_3_2_1B.replace("\"low_freq_factor\": 1.0,", "\"low_freq_factor\": 1.0, \"beta_fast\": 3,"),
                "rope_scaling.beta_fast", "not a parameter of rope type 'llama3'");
        assertRejected(LLAMA_3_2_1B.replace("\"factor\": 32.0,", ""), "rope_scaling.factor", "is required");
        assertRejected(LLAMA_3_2_1B.replace("\"high_freq_factor\": 4.0", "\"high_freq_factor\": 1.0"), "rope_scaling",
                "high_freq_factor must be");
        assertRejected(LLAMA_3_2_1B.replace("\"factor\": 32.0", "\"factor\": 0.5"), "rope_scaling", "factor must be a finite number >= 1");
        assertRejected(QWEN3_0_6B.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"), "use_sliding_window",
                "mistral");
        assertRejected(QWEN3_0_6B.replace("\"max_window_layers\": 28,", "\"layer_types\": [\"full_attention\", \"sliding_attention\"],"),
                "layer_types", "full_attention");
        assertRejected(MISTRAL_7B.replace("\"sliding_window\": 4096", "\"sliding_window\": 0"), "sliding_window", "positive");
        assertRejected(QWEN3_0_6B.replace("\"silu\"", "\"gelu_pytorch_tanh\""), "hidden_act", "silu");
        assertRejected(QWEN3_0_6B.replace("\"rope_theta\": 1000000,", "\"rope_theta\": 1000000, \"rope_parameters\": "
                + "{\"rope_type\": \"default\", \"partial_rotary_factor\": 0.5},"), "rope_parameters.partial_rotary_factor", "whole head");
    }

    @Test
    void theBuilderStatesWhichFamilyAFieldBelongsTo() {
        TransformerConfig.Builder llama = TransformerConfig.builder().family(ModelFamily.LLAMA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> llama.slidingWindow(8).build());
        assertTrue(e.getMessage().contains("sliding_window applies to mistral only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.builder().family(ModelFamily.QWEN3).mlpBias(true).build());
        assertTrue(e.getMessage().contains("mlp_bias applies to llama only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.builder().family(ModelFamily.MISTRAL)
                .attentionBias(true).build());
        assertTrue(e.getMessage().contains("attention_bias applies to llama and qwen3"), e.getMessage());
        // The constructor without rotary scaling and window still builds the same config.
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.LLAMA).build();
        assertEquals(c, new TransformerConfig(c.family(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(),
                c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.ropeTheta(), c.rmsNormEps(),
                c.maxPositionEmbeddings(), c.tieWordEmbeddings(), c.attentionBias(), c.mlpBias(), c.bosTokenId(),
                c.eosTokenId(), c.padTokenId(), c.extra()));
    }

    static long shapeTotal(TransformerConfig c) {
        return dev.r1j.rl.model.internal.DecoderWeights.hfShapes(c).values().stream().mapToLong(s -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }).sum();
    }

    private static void assertRejected(String json, String field, String rule) {
        BadInputException e = assertThrows(BadInputException.class, () -> TransformerConfig.fromJson(json, Path.of("cfg.json")));
        assertTrue(e.getMessage().contains("cfg.json") && e.getMessage().contains(field) && e.getMessage().contains(rule),
                e.getMessage());
    }
}
