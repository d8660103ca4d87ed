package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.distill.onnx.internal.OrtDecoder;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.KvCache;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ONNX Runtime against DJL on the same random tiny models, one per architecture variant r1j supports:
 * logits of a left-padded batch, logits of incremental decoding with the key/value cache, greedy and
 * seeded sampled generations. Weights are drawn with a spread large enough that logits differ clearly
 * between tokens, so a broken rotary, mask or head would show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxParityTest {

    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    HfTokenizer tokenizer;
    final Map<String, Fixture> fixtures = new LinkedHashMap<>();

    record Fixture(CausalLm djl, OnnxModel onnx) {}

    static Stream<String> variants() {
        return Stream.of("qwen2-gqa-tied", "qwen2-mqa-untied-headdim", "llama-mha-bias-untied", "llama-gqa-mlpbias-tied");
    }

    static TransformerConfig config(String variant, int vocab) {
        TransformerConfig.Builder b = TransformerConfig.builder().vocabSize(vocab).maxPositionEmbeddings(64)
                .ropeTheta(500.0).rmsNormEps(1e-5).numHiddenLayers(2).intermediateSize(40);
        return switch (variant) {
            case "qwen2-gqa-tied" -> b.family(ModelFamily.QWEN2).hiddenSize(32).numAttentionHeads(4).numKeyValueHeads(2)
                    .tieWordEmbeddings(true).build();
            case "qwen2-mqa-untied-headdim" -> b.family(ModelFamily.QWEN2).hiddenSize(24).numAttentionHeads(4)
                    .numKeyValueHeads(1).headDim(10).tieWordEmbeddings(false).build();
            case "llama-mha-bias-untied" -> b.family(ModelFamily.LLAMA).hiddenSize(32).numAttentionHeads(4)
                    .numKeyValueHeads(4).attentionBias(true).mlpBias(true).tieWordEmbeddings(false).build();
            case "llama-gqa-mlpbias-tied" -> b.family(ModelFamily.LLAMA).hiddenSize(32).numAttentionHeads(8)
                    .numKeyValueHeads(2).headDim(6).mlpBias(true).tieWordEmbeddings(true).build();
            default -> throw new IllegalArgumentException(variant);
        };
    }

    /** Weights with spread: matrices N(0, 0.25), norms 1 + N(0, 0.1), biases N(0, 0.1). */
    static CausalLm spreadModel(TransformerConfig c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, long[]> shapes = c.hfShapes();
        Map<String, float[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            boolean norm = name.endsWith("norm.weight");
            boolean bias = name.endsWith(".bias");
            for (int i = 0; i < v.length; i++) {
                double z = gaussian(rng);
                v[i] = (float) (norm ? 1 + 0.1 * z : bias ? 0.1 * z : 0.25 * z);
            }
            values.put(name, v);
        });
        return CausalLm.fromWeights(c, HostWeights.of(values, shapes), "test");
    }

    static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    @BeforeAll
    void export() {
        tokenizer = CharVocabulary.builder().addCharacters("abcdefghij0123456789 +=").writeTo(tmp.resolve("tok"));
        long seed = 11;
        for (String variant : variants().toList()) {
            CausalLm djl = spreadModel(config(variant, tokenizer.vocabSize()), seed++);
            Path file = tmp.resolve(variant).resolve("model.onnx");
            OnnxExporter.export(djl, tokenizer, new PromptTemplate("Q: {prompt}\nA:"), file, false);
            fixtures.put(variant, new Fixture(djl, OnnxModel.load(file, 1)));
        }
    }

    @AfterAll
    void close() {
        fixtures.values().forEach(f -> {
            f.onnx().close();
            f.djl().close();
        });
    }

    /** Three rows of lengths 6, 3 and 1, left-padded to 6. */
    static final int[][] PROMPTS = {{3, 9, 4, 12, 7, 20}, {5, 5, 8}, {14}};

    @ParameterizedTest
    @MethodSource("variants")
    void leftPaddedBatchLogitsMatch(String variant) {
        Fixture f = fixtures.get(variant);
        int b = PROMPTS.length;
        int t = 6;
        int v = f.onnx().vocabSize();
        int[] ids = new int[b * t];
        long[] pos = new long[b * t];
        float[] keep = new float[b * t];
        pad(ids, pos, keep, t);
        float[] expected;
        try (NDManager m = NDManager.newBaseManager()) {
            boolean grad = Engines.gradMode(false);
            expected = f.djl().forward(m.create(ids, new Shape(b, t)), pos, keep, null).toFloatArray(); // [B, T, V]
            Engines.gradMode(grad);
        }
        float[] actual;
        OrtDecoder dec = f.onnx().decoder();
        try (OrtDecoder.Cache cache = dec.newCache(b)) {
            actual = dec.forward(ids, t, pos, keep, cache, false);                                       // [B, T, V]
        }
        assertEquals(expected.length, actual.length);
        double maxDiff = 0;
        for (int i = 0; i < b * t; i++) {
            if (keep[i] == 0f) {
                continue; // a padding query's output is never used
            }
            for (int k = 0; k < v; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i * v + k] - actual[i * v + k]));
            }
        }
        assertTrue(maxDiff < TOLERANCE, variant + ": max abs logit difference " + maxDiff);
        assertTrue(spread(expected, v) > 1.0, "the test model's logits must differ between tokens");
    }

    @ParameterizedTest
    @MethodSource("variants")
    void incrementalDecodingWithCacheMatches(String variant) {
        Fixture f = fixtures.get(variant);
        int b = PROMPTS.length;
        int t = 6;
        int steps = 4;
        int capacity = t + steps;
        int[] ids = new int[b * t];
        long[] pos = new long[b * t];
        float[] keep = new float[b * t];
        pad(ids, pos, keep, t);
        OrtDecoder dec = f.onnx().decoder();
        double maxDiff = 0;
        try (NDManager m = NDManager.newBaseManager(); OrtDecoder.Cache ortCache = dec.newCache(b)) {
            boolean grad = Engines.gradMode(false);
            KvCache djlCache = f.djl().newCache(m, b, capacity);
            float[] e = f.djl().forward(m.create(ids, new Shape(b, t)), pos, keep, djlCache).toFloatArray();
            float[] a = dec.forward(ids, t, pos, keep, ortCache, false);
            maxDiff = Math.max(maxDiff, maxDiff(lastPositions(e, b, t, f.onnx().vocabSize()),
                    lastPositions(a, b, t, f.onnx().vocabSize())));
            float[] mask = keep;
            long[] next = {6, 3, 1};
            int[] live = {0, 1, 2}; // request rows still in the batch
            for (int s = 0; s < steps; s++) {
                int len = t + s + 1;
                if (s == 2) {
                    // Drop the middle row and reverse the others, as the decoding loop compacts finished rows.
                    long[] keepRows = {2, 0};
                    djlCache.retainRows(keepRows);
                    ortCache.retainRows(keepRows);
                    float[] kept = new float[keepRows.length * (len - 1)];
                    for (int j = 0; j < keepRows.length; j++) {
                        System.arraycopy(mask, (int) keepRows[j] * (len - 1), kept, j * (len - 1), len - 1);
                    }
                    mask = kept;
                    live = new int[] {live[2], live[0]};
                }
                int rows = live.length;
                float[] grown = new float[rows * len];
                int[] step = new int[rows];
                long[] stepPos = new long[rows];
                for (int j = 0; j < rows; j++) {
                    int r = live[j];
                    System.arraycopy(mask, j * (len - 1), grown, j * len, len - 1);
                    grown[j * len + len - 1] = 1f;
                    step[j] = (7 * s + 3 * r + 1) % f.onnx().vocabSize();
                    stepPos[j] = next[r]++;
                }
                mask = grown;
                NDArray in = m.create(step, new Shape(rows, 1));
                e = f.djl().forward(in, stepPos, mask, djlCache).toFloatArray();                        // [B', 1, V]
                a = dec.forward(step, 1, stepPos, mask, ortCache, false);
                maxDiff = Math.max(maxDiff, maxDiff(e, a));
                assertEquals(len, ortCache.length());
                assertEquals(rows, ortCache.batchSize());
            }
            Engines.gradMode(grad);
        }
        assertTrue(maxDiff < TOLERANCE, variant + ": max abs logit difference with the cache " + maxDiff);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void greedyGenerationsMatchTokenForToken(String variant) {
        Fixture f = fixtures.get(variant);
        SamplingParams greedy = SamplingParams.builder().temperature(0).maxNewTokens(12).stopStrings(List.of("99")).build();
        List<String> prompts = List.of("ab+3=", "7", "jihgf 0123");
        List<Completion> expected;
        try (DjlGenerator djl = new DjlGenerator(f.djl(), tokenizer)) {
            expected = djl.generate(prompts, 2, greedy);
        }
        List<Completion> actual;
        try (OrtGenerator ort = new OrtGenerator(f.onnx(), 4)) { // 6 rows in batches of 4 and 2
            actual = ort.generate(prompts, 2, greedy);
        }
        assertSame(variant, expected, actual);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void seededSamplingMatches(String variant) {
        Fixture f = fixtures.get(variant);
        SamplingParams sampled = SamplingParams.builder().temperature(0.8).topP(0.95).maxNewTokens(10).seed(42).build();
        List<String> prompts = List.of("12+3=", "abc");
        List<Completion> expected;
        try (DjlGenerator djl = new DjlGenerator(f.djl(), tokenizer)) {
            expected = djl.generate(prompts, 3, sampled);
        }
        List<Completion> actual;
        try (OrtGenerator ort = new OrtGenerator(f.onnx())) {
            actual = ort.generate(prompts, 3, sampled);
        }
        assertSame(variant, expected, actual);
        assertTrue(expected.stream().map(c -> List.of(c.tokenIds())).distinct().count() > 1,
                "sampling must produce different completions, or the test proves nothing");
    }

    static void assertSame(String variant, List<Completion> expected, List<Completion> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Completion e = expected.get(i);
            Completion a = actual.get(i);
            assertArrayEquals(e.tokenIds(), a.tokenIds(), variant + ": completion " + i);
            assertEquals(e.finishReason(), a.finishReason(), variant + ": completion " + i);
            assertEquals(e.text(), a.text(), variant + ": completion " + i);
            assertEquals(e.promptIndex(), a.promptIndex());
            for (int k = 0; k < e.length(); k++) {
                assertEquals(e.logProbs()[k], a.logProbs()[k], TOLERANCE, variant + ": log-prob " + k + " of completion " + i);
            }
        }
    }

    static void pad(int[] ids, long[] pos, float[] keep, int t) {
        for (int r = 0; r < PROMPTS.length; r++) {
            int[] p = PROMPTS[r];
            int padLen = t - p.length;
            for (int j = 0; j < t; j++) {
                boolean real = j >= padLen;
                ids[r * t + j] = real ? p[j - padLen] : 0;
                pos[r * t + j] = real ? j - padLen : 0;
                keep[r * t + j] = real ? 1f : 0f;
            }
        }
    }

    /** [B, T, V] to [B, V]: each row's last position (always a real token with left padding). */
    static float[] lastPositions(float[] logits, int b, int t, int v) {
        float[] out = new float[b * v];
        for (int r = 0; r < b; r++) {
            System.arraycopy(logits, (r * t + t - 1) * v, out, r * v, v);
        }
        return out;
    }

    static double maxDiff(float[] e, float[] a) {
        assertEquals(e.length, a.length);
        double d = 0;
        for (int i = 0; i < e.length; i++) {
            d = Math.max(d, Math.abs(e[i] - a[i]));
        }
        return d;
    }

    /** Largest difference between two logits of one row: near 0 means the model cannot tell tokens apart. */
    static double spread(float[] logits, int v) {
        double best = 0;
        for (int row = 0; row < logits.length / v; row++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int k = 0; k < v; k++) {
                lo = Math.min(lo, logits[row * v + k]);
                hi = Math.max(hi, logits[row * v + k]);
            }
            best = Math.max(best, hi - lo);
        }
        return best;
    }
}
