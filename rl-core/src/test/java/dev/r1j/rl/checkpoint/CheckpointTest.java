package dev.r1j.rl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    static final String ALPHABET = "0123456789+-*= \n";

    Path writeRandomCheckpoint(Path dir, TransformerConfig c) {
        HfTokenizer tok = CharVocabulary.builder().addCharacters(ALPHABET).writeTo(tmp.resolve("tok-" + dir.getFileName()));
        try (CausalLm m = CausalLm.randomInit(c, 17)) {
            Checkpoint.write(dir, m, tok, new PromptTemplate("Q: {prompt}\nA: "),
                    Provenance.of(17, "test", "", new ObjectMapper().createObjectNode().put("k", 1), Map.of("note", "x")));
        }
        return dir;
    }

    static TransformerConfig config(boolean tied) {
        return TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(24).hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(tied).build();
    }

    @Test
    void writeThenLoadGivesTheSameModelTokenizerTemplateAndProvenance() throws IOException {
        Path dir = writeRandomCheckpoint(tmp.resolve("m"), config(false));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "prompt_template.json", "provenance.json")) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        int[] ids = {3, 4, 5, 6, 7};
        try (CausalLm original = CausalLm.randomInit(config(false), 17); Checkpoint cp = Checkpoint.load(dir)) {
            float[][] a = original.logits(ids);
            float[][] b = cp.model().logits(ids);
            for (int i = 0; i < ids.length; i++) {
                assertArrayEquals(a[i], b[i], 0f, "float32 weights round-trip exactly");
            }
            assertEquals("Q: 1\nA: ", cp.template().orElseThrow().render("1"));
            assertEquals("x", cp.provenance().orElseThrow().extra().get("note"));
            assertEquals(17, cp.provenance().orElseThrow().seed());
            assertEquals("12+3", cp.tokenizer().decode(cp.tokenizer().encode("12+3"), true));
        }
        // Rewriting replaces the directory and leaves no temporaries behind.
        writeRandomCheckpoint(dir, config(true));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".m.")), "no leftover temporaries");
        }
        assertTrue(Checkpoint.load(dir).config().tieWordEmbeddings());
    }

    @Test
    void shardedWeightsLoadLikeASingleFile() throws IOException {
        TransformerConfig c = config(true);
        Path single = writeRandomCheckpoint(tmp.resolve("single"), c);
        Path sharded = tmp.resolve("sharded");
        try (Checkpoint cp = Checkpoint.load(single)) {
            Checkpoint.write(sharded, cp.model(), cp.tokenizer(), null, Provenance.of(1, "", "", null, null));
            Files.delete(sharded.resolve("model.safetensors"));
            List<Path> files = SafeTensorsWriter.writeModel(sharded, cp.model().hfTensors(), cp.model().hfShapes(),
                    Map.of(), 2_000);
            assertTrue(files.size() > 3, "several shards and an index: " + files);
            try (Checkpoint fromShards = Checkpoint.load(sharded)) {
                assertArrayEquals(cp.model().logits(new int[] {1, 2, 3})[2], fromShards.model().logits(new int[] {1, 2, 3})[2], 0f);
            }
        }
        // A missing shard is named.
        Path shard = sharded.resolve("model-00002-of-" + String.format("%05d", countShards(sharded)) + ".safetensors");
        assertTrue(Files.exists(shard), shard.toString());
        shard.toFile().delete();
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.load(sharded));
        assertTrue(e.getMessage().contains("model-00002"), e.getMessage());
    }

    private static long countShards(Path dir) {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("model-\\d+-of-\\d+\\.safetensors")).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes a one-tensor safetensors file by hand, with raw element bytes. */
    static void writeRaw(Path file, String name, String dtype, long[] shape, byte[] data) throws IOException {
        String header = "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + java.util.Arrays.toString(shape)
                + ",\"data_offsets\":[0," + data.length + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
    }

    /** Reference binary16 decoding from the IEEE definition, in doubles. */
    static double halfReference(int bits) {
        int sign = (bits >> 15) & 1;
        int exp = (bits >> 10) & 0x1F;
        int mant = bits & 0x3FF;
        double v;
        if (exp == 0) {
            v = mant / 1024.0 * Math.pow(2, -14);
        } else if (exp == 31) {
            v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        }
        return sign == 1 ? -v : v;
    }

    @Test
    void f16AndBf16AreConvertedExactly() throws IOException {
        int n = 1 << 16;
        byte[] raw = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            raw[2 * i] = (byte) i;
            raw[2 * i + 1] = (byte) (i >> 8);
        }
        Path f16 = tmp.resolve("f16.safetensors");
        writeRaw(f16, "w", "F16", new long[] {256, 256}, raw);
        Path bf16 = tmp.resolve("bf16.safetensors");
        writeRaw(bf16, "w", "BF16", new long[] {n}, raw);
        try (SafeTensorsFile a = SafeTensorsFile.open(f16, 1000); SafeTensorsFile b = SafeTensorsFile.open(bf16)) {
            float[] half = a.readFloats("w"); // a tiny mapping chunk: tensors straddle chunk boundaries
            float[] brain = b.readFloats("w");
            for (int bits = 0; bits < n; bits++) {
                double expected = halfReference(bits);
                if (Double.isNaN(expected)) {
                    assertTrue(Float.isNaN(half[bits]), "F16 bits " + bits);
                } else {
                    assertEquals(expected, half[bits], 0.0, "F16 bits " + Integer.toHexString(bits));
                }
                float bfExpected = Float.intBitsToFloat(bits << 16);
                assertEquals(Float.floatToRawIntBits(bfExpected), Float.floatToRawIntBits(brain[bits]), "BF16 bits " + bits);
            }
        }
    }

    @Test
    void badWeightFilesAreNamedWithTheTensor() throws IOException {
        Path dir = writeRandomCheckpoint(tmp.resolve("bad"), config(false));
        Path weights = dir.resolve("model.safetensors");
        byte[] good = Files.readAllBytes(weights);

        Files.write(weights, java.util.Arrays.copyOf(good, good.length - 10));
        assertMessage(dir, "model.safetensors", "outside");

        Files.write(weights, java.util.Arrays.copyOf(good, 5));
        assertMessage(dir, "model.safetensors", "truncated");

        ByteBuffer bb = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(0, good.length * 2L);
        Files.write(weights, bb.array());
        assertMessage(dir, "model.safetensors", "header length");

        Path odd = tmp.resolve("odd.safetensors");
        writeRaw(odd, "w", "I64", new long[] {1}, new byte[8]);
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(odd));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("I64"), e.getMessage());
        writeRaw(odd, "w", "F32", new long[] {3}, new byte[8]);
        e = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(odd));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("needs 12"), e.getMessage());
        Files.write(odd, new byte[] {4, 0, 0, 0, 0, 0, 0, 0, '{', 'x', '}', ' '});
        e = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(odd));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        // A tensor whose shape disagrees with the config: both shapes named.
        Files.write(weights, good);
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"intermediate_size\" : 24", "\"intermediate_size\" : 20");
        Files.writeString(dir.resolve("config.json"), cfg);
        e = assertThrows(BadInputException.class, () -> Checkpoint.load(dir));
        assertTrue(e.getMessage().contains("mlp.gate_proj.weight") && e.getMessage().contains("[24, 16]")
                && e.getMessage().contains("[20, 16]"), e.getMessage());

        Files.writeString(dir.resolve("config.json"), cfg.replace("\"qwen2\"", "\"gpt2\""));
        assertMessage(dir, "config.json", "model_type");
        Files.delete(dir.resolve("config.json"));
        assertMessage(dir, "config.json", "no such file");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path dir = writeRandomCheckpoint(tmp.resolve("partial"), config(false));
        Files.delete(dir.resolve("tokenizer.json"));
        assertMessage(dir, "tokenizer.json", "no such file");
        Path noWeights = writeRandomCheckpoint(tmp.resolve("noweights"), config(false));
        Files.delete(noWeights.resolve("model.safetensors"));
        assertMessage(noWeights, "noweights", "no model.safetensors");
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.load(tmp.resolve("absent")));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    private static void assertMessage(Path dir, String file, String fragment) {
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.load(dir).close());
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void provenanceNamesTheParentByHash() {
        Path parent = writeRandomCheckpoint(tmp.resolve("parent"), config(false));
        String hash = Checkpoint.sha256(parent);
        assertEquals(64, hash.length());
        assertEquals(hash, Checkpoint.sha256(parent), "stable");
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("stage", "sft");
        Provenance p = Provenance.of(3, "r1j sft", hash, null, extra);
        p.writeTo(tmp);
        Provenance back = Provenance.readFrom(tmp);
        assertEquals(hash, back.parentSha256());
        assertEquals(p.created(), back.created());
        assertEquals("sft", back.extra().get("stage"));
    }
}
