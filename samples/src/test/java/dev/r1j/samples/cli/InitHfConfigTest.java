package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r1j init --hf-config}: random weights of a Hugging Face config's shape, with a given tokenizer. */
class InitHfConfigTest {

    @TempDir
    Path tmp;

    static final String CONFIG = """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 16, "intermediate_size": 40,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 64,
             "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "max_position_embeddings": 128, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 1, "use_cache": true, "transformers_version": "4.43.1"}
            """;

    Path tokenizer() {
        Path dir = tmp.resolve("tokenizer");
        CharVocabulary.builder().addCharacters("0123456789+-=").writeTo(dir);
        return dir;
    }

    @Test
    void writesTheConfigsShapeWithTheTokenizerInTheConfigsDtype() throws Exception {
        Path config = Files.writeString(tmp.resolve("config.json"), CONFIG);
        Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": [1, 2]}");
        Path out = tmp.resolve("model");
        CliRun r = CliRun.of("init", "--hf-config", config.toString(), "--tokenizer", tokenizer().toString(),
                "--out", out.toString(), "--seed", "4");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("BF16"), r.out());
        try (ModelWeightsFiles w = ModelWeightsFiles.open(out)) {
            assertEquals(DType.BF16, w.storedDType(), "the config's torch_dtype");
        }
        JsonNode written = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("bfloat16", written.get("torch_dtype").asText());
        assertEquals("4.43.1", written.get("transformers_version").asText());
        assertTrue(Files.exists(out.resolve("tokenizer_config.json")));
        assertEquals("{\"eos_token_id\": [1, 2]}", Files.readString(out.resolve("generation_config.json")));
        TransformerConfig c = TransformerConfig.read(config);
        try (Checkpoint cp = Checkpoint.load(out); CausalLm same = CausalLm.randomInit(c, 4)) {
            Map<String, float[]> expected = same.hfTensors();
            Map<String, float[]> got = cp.model().hfTensors();
            for (String n : expected.keySet()) {
                float[] e = expected.get(n);
                float[] rounded = new float[e.length];
                for (int i = 0; i < e.length; i++) {
                    // BF16 of randomInit's values: the top 16 bits, rounded to nearest even.
                    int bits = Float.floatToRawIntBits(e[i]);
                    rounded[i] = Float.intBitsToFloat(((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16);
                }
                assertArrayEquals(rounded, got.get(n), 0f, n);
            }
        }
        CliRun f32 = CliRun.of("init", "--hf-config", config.toString(), "--tokenizer", tokenizer().toString(),
                "--out", tmp.resolve("f32").toString(), "--dtype", "F32", "--max-shard-size", "4KB");
        assertEquals(0, f32.exit(), f32.err());
        assertTrue(Files.exists(tmp.resolve("f32/model.safetensors.index.json")), "sharded at 4 kB");
        try (ModelWeightsFiles w = ModelWeightsFiles.open(tmp.resolve("f32"))) {
            assertEquals(DType.F32, w.storedDType());
        }
    }

    @Test
    void aVocabularyLargerThanTheConfigsIsRefused() throws Exception {
        Path config = Files.writeString(tmp.resolve("config.json"), CONFIG.replace("\"vocab_size\": 64", "\"vocab_size\": 8"));
        Path out = tmp.resolve("model");
        CliRun r = CliRun.of("init", "--hf-config", config.toString(), "--tokenizer", tokenizer().toString(), "--out", out.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("vocab_size 8") && r.err().contains("tokenizer.json"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void shapeFlagsAndHalfAnOptionPairAreRefused() throws Exception {
        Path config = Files.writeString(tmp.resolve("config.json"), CONFIG);
        CliRun both = CliRun.of("init", "--hf-config", config.toString(), "--tokenizer", tokenizer().toString(),
                "--hidden", "32", "--out", tmp.resolve("x").toString());
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("--hidden"), both.err());
        CliRun alone = CliRun.of("init", "--hf-config", config.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(2, alone.exit());
        assertTrue(alone.err().contains("--tokenizer"), alone.err());
        CliRun dtype = CliRun.of("init", "--hf-config", config.toString(), "--tokenizer", tokenizer().toString(),
                "--dtype", "F64", "--out", tmp.resolve("z").toString());
        assertEquals(2, dtype.exit());
        assertTrue(dtype.err().contains("F32, F16 or BF16"), dtype.err());
    }

    @Test
    void aModelIdThatIsNotCachedSaysWhereItLooked() {
        CliRun r = CliRun.of("generate", "--model", "no-such-org/no-such-model", "--prompt", "1+1=");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("models--no-such-org--no-such-model/refs/main") && r.err().contains("Hugging Face cache"), r.err());
    }
}
