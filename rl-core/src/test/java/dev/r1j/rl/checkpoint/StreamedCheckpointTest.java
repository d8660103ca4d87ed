package dev.r1j.rl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.internal.RandomWeights;
import dev.r1j.rl.optim.AdamW;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints written and read tensor by tensor, bit for bit, in F32, F16 and BF16, whole or sharded. */
class StreamedCheckpointTest {

    @TempDir
    Path tmp;

    static final TransformerConfig UNTIED = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(40)
            .hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
            .maxPositionEmbeddings(64).build();
    static final TransformerConfig TIED_LLAMA = TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(40)
            .hiddenSize(16).intermediateSize(24).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
            .attentionBias(true).mlpBias(true).maxPositionEmbeddings(64).tieWordEmbeddings(true).build();

    /**
     * A source that refuses to hand out a whole tensor on the heap and counts how it is asked: the writer
     * may only stream, one tensor at a time, in chunks no larger than the stream chunk.
     */
    static final class StreamOnly implements HostWeights {
        final HostWeights inner;
        int open;
        int maxOpen;
        int maxChunk;
        final List<String> order = new ArrayList<>();

        StreamOnly(HostWeights inner) {
            this.inner = inner;
        }

        @Override
        public Set<String> names() {
            return inner.names();
        }

        @Override
        public long[] shape(String name) {
            return inner.shape(name);
        }

        @Override
        public float[] read(String name) {
            throw new AssertionError("the writer asked for all of '" + name + "' on the heap");
        }

        @Override
        public void stream(String name, Chunks sink) throws IOException {
            open++;
            maxOpen = Math.max(maxOpen, open);
            order.add(name);
            try {
                inner.stream(name, chunk -> {
                    maxChunk = Math.max(maxChunk, chunk.remaining());
                    sink.accept(chunk);
                });
            } finally {
                open--;
            }
        }
    }

    @Test
    void theWriterStreamsOneTensorAtATimeInBoundedChunks() throws Exception {
        Map<String, long[]> shapes = DecoderWeights.hfShapes(UNTIED);
        StreamOnly source = new StreamOnly(new RandomWeights(shapes, 3));
        List<String> names = new ArrayList<>(shapes.keySet());
        for (DType dtype : List.of(DType.F32, DType.BF16, DType.F16)) {
            source.order.clear();
            Path dir = Files.createDirectories(tmp.resolve(dtype.name()));
            SafeTensorsWriter.writeModel(dir, source, names, dtype, Map.of(), 4_000); // shards of at most 4 kB
            assertEquals(1, source.maxOpen, "one tensor at a time");
            assertEquals(names, source.order, "each tensor asked for once, in order");
            assertTrue(source.maxChunk <= HostWeights.STREAM_CHUNK_BYTES);
            try (ModelWeightsFiles back = ModelWeightsFiles.open(dir)) {
                assertEquals(Set.copyOf(names), back.names());
                for (String n : names) {
                    assertEquals(dtype, back.dtype(n));
                    float[] expected = new RandomWeights(shapes, 3).read(n);
                    float[] got = back.read(n);
                    for (int i = 0; i < expected.length; i++) {
                        float want = switch (dtype) {
                            case BF16 -> FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(expected[i]));
                            case F16 -> FloatCodec.halfToFloat(FloatCodec.floatToHalf(expected[i]));
                            default -> expected[i];
                        };
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), n + "[" + i + "]");
                    }
                }
            }
            JsonNode index = new ObjectMapper().readTree(dir.resolve(SafeTensorsWriter.INDEX_FILE).toFile());
            assertEquals(names.size(), index.get("weight_map").size());
            long total = shapes.values().stream().mapToLong(s -> numel(s) * dtype.bytes()).sum();
            assertEquals(total, index.get("metadata").get("total_size").asLong());
        }
    }

    @Test
    void theReaderStreamsFromTheMappingInChunks() throws Exception {
        Map<String, long[]> shapes = DecoderWeights.hfShapes(UNTIED);
        Path file = tmp.resolve("w.safetensors");
        List<String> names = new ArrayList<>(shapes.keySet());
        SafeTensorsWriter.write(file, new RandomWeights(shapes, 5), names, DType.BF16, Map.of());
        // A 64-byte mapping window: every tensor straddles chunk boundaries, in stream() and readArray().
        try (SafeTensorsFile f = SafeTensorsFile.open(file, 64); CausalLm holder = CausalLm.randomInit(UNTIED, 1)) {
            for (String n : names) {
                List<Float> streamed = new ArrayList<>();
                int[] biggest = {0};
                f.stream(n, chunk -> {
                    biggest[0] = Math.max(biggest[0], chunk.remaining());
                    while (chunk.hasRemaining()) {
                        streamed.add(chunk.getFloat());
                    }
                });
                assertTrue(biggest[0] <= 32 * Float.BYTES, "chunks of at most 32 BF16 values widened: " + biggest[0]);
                float[] whole = f.readFloats(n);
                assertEquals(whole.length, streamed.size());
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], streamed.get(i), 0f);
                }
                NDArray a = f.readArray(n, holder.manager());
                assertArrayEquals(whole, a.toFloatArray(), 0f, n);
                assertArrayEquals(shapes.get(n), a.getShape().getShape());
                a.close();
            }
        }
    }

    @Test
    void aModelWrittenAndReadBackIsBitIdenticalAndWritesTheSameBytesAgain() throws Exception {
        for (TransformerConfig c : List.of(UNTIED, TIED_LLAMA)) {
            HfTokenizer tok = CharVocabulary.builder().addCharacters("0123456789+-=").writeTo(tmp.resolve("tok-" + c.family()));
            Path a = tmp.resolve("a-" + c.family());
            Path b = tmp.resolve("b-" + c.family());
            try (CausalLm m = CausalLm.randomInit(c, 11)) {
                Map<String, float[]> before = m.hfTensors();
                Checkpoint.write(a, m, tok, null, null);
                try (CausalLm loaded = Checkpoint.loadModel(a)) {
                    assertBitEqual(before, loaded.hfTensors());
                    assertEquals(a, loaded.origin().orElseThrow());
                    Checkpoint.write(b, loaded, tok, null, null);
                }
            }
            assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
            assertEquals(Files.readString(a.resolve("config.json")), Files.readString(b.resolve("config.json")));
        }
    }

    @Test
    void loadWeightsReplacesInPlaceAndCopyIsIndependent() {
        try (CausalLm a = CausalLm.randomInit(UNTIED, 1); CausalLm b = CausalLm.randomInit(UNTIED, 2)) {
            List<NDArray> params = b.parameters();
            b.loadWeights(a.hfWeights(), "a");
            assertBitEqual(a.hfTensors(), b.hfTensors());
            for (int i = 0; i < params.size(); i++) {
                assertTrue(params.get(i) == b.parameters().get(i), "the same arrays, written in place");
            }
            try (CausalLm copy = a.copy(); CausalLm other = CausalLm.randomInit(UNTIED, 3)) {
                Map<String, float[]> original = a.hfTensors();
                assertBitEqual(original, copy.hfTensors());
                a.loadWeights(other.hfWeights(), "other");
                assertBitEqual(original, copy.hfTensors()); // the copy kept its own arrays
                assertNotEquals(original.get("model.norm.weight")[0] + original.get("model.embed_tokens.weight")[0],
                        a.hfTensors().get("model.norm.weight")[0] + a.hfTensors().get("model.embed_tokens.weight")[0]);
            }
        }
    }

    @Test
    void theEngineViewHandsOutEngineMemoryNotHeapCopies() throws Exception {
        try (CausalLm m = CausalLm.randomInit(UNTIED, 4)) {
            HostWeights view = m.hfWeights();
            Map<String, float[]> heap = m.hfTensors();
            for (String n : view.names()) {
                List<Float> values = new ArrayList<>();
                view.stream(n, chunk -> {
                    assertTrue(chunk.isDirect(), n + ": a chunk is engine memory, not a heap array");
                    while (chunk.hasRemaining()) {
                        values.add(chunk.getFloat());
                    }
                });
                float[] expected = heap.get(n);
                assertEquals(expected.length, values.size(), n);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], values.get(i), 0f, n);
                }
            }
        }
    }

    @Test
    void randomWeightsAreThoseOfOneSplittableRandomDrawnThroughTheTensors() {
        Map<String, long[]> shapes = DecoderWeights.hfShapes(TIED_LLAMA);
        SplittableRandom rng = new SplittableRandom(42);
        RandomWeights w = new RandomWeights(shapes, 42);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] got = w.read(e.getKey());
            for (int i = 0; i < got.length; i++) {
                float want;
                if (e.getKey().endsWith("norm.weight")) {
                    want = 1f;
                } else if (e.getKey().endsWith(".bias")) {
                    want = 0f;
                } else {
                    double u1 = rng.nextDouble();
                    double u2 = rng.nextDouble();
                    want = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2) * 0.02);
                }
                assertEquals(want, got[i], 0f, e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void halfPrecisionRoundsToNearestEvenAndRoundTripsEveryValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = FloatCodec.halfToFloat(h);
            if (!Float.isNaN(f)) {
                assertEquals(bits, FloatCodec.floatToHalf(f) & 0xFFFF, "half " + Integer.toHexString(bits));
            } else {
                assertTrue(Float.isNaN(FloatCodec.halfToFloat(FloatCodec.floatToHalf(f))));
            }
            float b = FloatCodec.bf16ToFloat(h);
            if (!Float.isNaN(b)) {
                assertEquals(bits, FloatCodec.floatToBf16(b) & 0xFFFF, "bf16 " + Integer.toHexString(bits));
            }
        }
        assertEquals(1f, FloatCodec.halfToFloat(FloatCodec.floatToHalf(1f + 0x1p-11f)), "a tie goes to the even neighbour");
        assertEquals(1f + 0x1p-9f, FloatCodec.halfToFloat(FloatCodec.floatToHalf(1f + 0x3p-11f)), "a tie goes to the even neighbour");
        assertEquals(65504f, FloatCodec.halfToFloat(FloatCodec.floatToHalf(65519f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatCodec.halfToFloat(FloatCodec.floatToHalf(65520f)));
        assertEquals(0x1p-24f, FloatCodec.halfToFloat(FloatCodec.floatToHalf(0x1.8p-25f)), "the smallest subnormal");
        assertEquals(0f, FloatCodec.halfToFloat(FloatCodec.floatToHalf(0x1p-25f)), "half of it ties to zero");
        assertEquals(1f, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(1f + 0x1p-8f)), "bf16 tie to even");
        assertEquals(1f + 0x1p-6f, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(1f + 0x3p-8f)), "bf16 tie to even");
        assertTrue(Float.isNaN(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.NaN))));
    }

    @Test
    void bf16CheckpointsKeepTheirTypeAndSourceFilesWhenRewritten() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("0123456789+-=").writeTo(tmp.resolve("tok"));
        Path f32 = tmp.resolve("f32");
        try (CausalLm m = CausalLm.randomInit(UNTIED, 8)) {
            Checkpoint.write(f32, m, tok, null, null);
        }
        // Make it a source as the hub ships them: its own config fields, a list of eos ids, generation defaults.
        ObjectMapper json = new ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(f32.resolve("config.json").toFile());
        config.put("eos_token_id", 1).put("transformers_version", "4.51.0").putObject("quantization_hint").put("kept", true);
        Files.writeString(f32.resolve("config.json"), config.toString());
        String generation = "{\"eos_token_id\": [1, 2], \"temperature\": 0.6, \"top_p\": 0.95}";
        Files.writeString(f32.resolve("generation_config.json"), generation);
        Files.writeString(f32.resolve("special_tokens_map.json"), "{\"eos_token\": \"<|endoftext|>\"}");
        config.putArray("eos_token_id").add(1).add(2);
        Files.writeString(f32.resolve("config.json"), config.toString());

        Path bf16 = tmp.resolve("bf16");
        Path again = tmp.resolve("again");
        try (Checkpoint source = Checkpoint.load(f32)) {
            Checkpoint.write(bf16, source.model(), source.tokenizer(), null, null, WriteOptions.defaults().withDType(DType.BF16));
        }
        try (Checkpoint half = Checkpoint.load(bf16)) {
            try (ModelWeightsFiles w = ModelWeightsFiles.open(bf16)) {
                assertEquals(DType.BF16, w.storedDType());
            }
            Checkpoint.write(again, half.model(), half.tokenizer(), null, null); // default: the source's type
        }
        try (ModelWeightsFiles w = ModelWeightsFiles.open(again)) {
            assertEquals(DType.BF16, w.storedDType(), "a rewrite keeps the source's dtype");
        }
        assertArrayEquals(Files.readAllBytes(bf16.resolve("model.safetensors")), Files.readAllBytes(again.resolve("model.safetensors")),
                "BF16 values widened to F32 and narrowed again are the same bytes");
        for (Path dir : List.of(bf16, again)) {
            JsonNode written = json.readTree(dir.resolve("config.json").toFile());
            assertEquals("bfloat16", written.get("torch_dtype").asText());
            assertEquals("4.51.0", written.get("transformers_version").asText());
            assertTrue(written.get("quantization_hint").get("kept").asBoolean());
            assertEquals("[1,2]", written.get("eos_token_id").toString(), "the list of eos ids survives");
            assertEquals(generation, Files.readString(dir.resolve("generation_config.json")));
            assertTrue(Files.exists(dir.resolve("special_tokens_map.json")));
        }
    }

    @Test
    void optimiserMomentsRoundTripByteForByte() throws Exception {
        try (CausalLm a = CausalLm.randomInit(UNTIED, 1); CausalLm b = CausalLm.randomInit(UNTIED, 2)) {
            try (AdamW first = new AdamW(a.parameters(), AdamW.Settings.defaults());
                 AdamW second = new AdamW(b.parameters(), AdamW.Settings.defaults())) {
                List<NDArray> grads = new ArrayList<>();
                for (NDArray p : a.parameters()) {
                    grads.add(a.manager().randomNormal(p.getShape()));
                }
                first.update(a.parameters(), grads, 1e-2);
                first.update(a.parameters(), grads, 1e-2);
                first.save(tmp.resolve("one.safetensors"));
                second.load(tmp.resolve("one.safetensors"));
                second.save(tmp.resolve("two.safetensors"));
                assertEquals(2, second.step());
                assertArrayEquals(Files.readAllBytes(tmp.resolve("one.safetensors")), Files.readAllBytes(tmp.resolve("two.safetensors")));
                grads.forEach(NDArray::close);
            }
        }
    }

    @Test
    void nonFiniteWeightsAreRefusedBeforeAnythingIsWritten() {
        try (CausalLm m = CausalLm.randomInit(UNTIED, 1)) {
            assertTrue(m.weightsFinite());
            m.parameters().get(0).set(new ai.djl.ndarray.index.NDIndex("0, 0"), Float.NaN);
            assertFalse(m.weightsFinite());
            HfTokenizer tok = CharVocabulary.builder().addCharacters("0123").writeTo(tmp.resolve("tok"));
            assertThrows(IllegalStateException.class, () -> Checkpoint.write(tmp.resolve("nan"), m, tok, null, null));
            assertFalse(Files.exists(tmp.resolve("nan")));
        }
    }

    @Test
    void shardSizesAreSpelledAsHuggingFaceSpellsThem() {
        assertEquals(5_000_000_000L, WriteOptions.parseShardSize("5GB"));
        assertEquals(500_000_000L, WriteOptions.parseShardSize("500MB"));
        assertEquals(2L << 30, WriteOptions.parseShardSize("2GiB"));
        assertEquals(1234, WriteOptions.parseShardSize("1234"));
        assertThrows(IllegalArgumentException.class, () -> WriteOptions.parseShardSize("five"));
        assertThrows(IllegalArgumentException.class, () -> WriteOptions.parseShardSize("-1GB"));
    }

    static void assertBitEqual(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String n : expected.keySet()) {
            float[] e = expected.get(n);
            float[] a = actual.get(n);
            assertEquals(e.length, a.length, n);
            for (int i = 0; i < e.length; i++) {
                assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), n + "[" + i + "]");
            }
        }
    }

    static long numel(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }
}
