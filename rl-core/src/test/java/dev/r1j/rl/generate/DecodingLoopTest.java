package dev.r1j.rl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DecodingLoopTest {

    static final TransformerConfig CONFIG = TransformerConfig.builder().vocabSize(23).hiddenSize(32).intermediateSize(48)
            .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(true).build();
    static CausalLm model;

    @BeforeAll
    static void load() {
        model = CausalLm.randomInit(CONFIG, 9);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Decodes ids as letters, so stop strings can be tested without a tokenizer. */
    static String letters(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append((char) ('a' + id));
        }
        return sb.toString();
    }

    static List<Completion> run(DecodingLoop loop, List<int[]> prompts, int firstKey, SamplingParams p) {
        long[] keys = new long[prompts.size()];
        int[] idx = new int[prompts.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = firstKey + i;
            idx[i] = firstKey + i;
        }
        return loop.run(prompts, keys, idx, p);
    }

    static List<int[]> prompts(int n, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(r.ints(1 + r.nextInt(6), 0, CONFIG.vocabSize()).toArray());
        }
        return out;
    }

    /** The DJL backend as it was before prefill projected only the last position: logits of every position. */
    static DecodingLoop.Backend everyPositionBackend() {
        return new DecodingLoop.Backend() {
            @Override
            public int vocabSize() {
                return CONFIG.vocabSize();
            }

            @Override
            public DecodingLoop.Batch open(int batchSize, int capacity) {
                ai.djl.ndarray.NDManager gen = model.manager().newSubManager();
                dev.r1j.rl.model.Engines.gradMode(false);
                dev.r1j.rl.model.KvCache cache = model.newCache(gen, batchSize, capacity);
                return new DecodingLoop.Batch() {
                    @Override
                    public float[] forward(int[] ids, int t, long[] positions, float[] keep) {
                        int rows = positions.length / t;
                        try (ai.djl.ndarray.NDManager step = gen.newSubManager()) {
                            ai.djl.ndarray.NDArray logits = model.forward(step.create(ids, new ai.djl.ndarray.types.Shape(rows, t)),
                                    positions, keep, cache);                                             // [B, T, V]
                            return logits.get(new ai.djl.ndarray.index.NDIndex(":, -1, :")).toFloatArray(); // [B, V]
                        }
                    }

                    @Override
                    public void retainRows(long[] rows) {
                        cache.retainRows(rows);
                    }

                    @Override
                    public void close() {
                        gen.close();
                    }
                };
            }
        };
    }

    @Test
    void prefillOfTheLastPositionOnlySamplesWhatTheFullPrefillSampled() {
        List<int[]> prompts = prompts(7, 21);
        SamplingParams p = SamplingParams.builder().maxNewTokens(8).temperature(1.0).seed(5).build();
        List<Completion> now = run(new DecodingLoop(model, -1, 0, DecodingLoopTest::letters), prompts, 0, p);
        List<Completion> before = run(new DecodingLoop(everyPositionBackend(), -1, 0, DecodingLoopTest::letters), prompts, 0, p);
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(before.get(i).tokenIds(), now.get(i).tokenIds(), "row " + i);
            assertArrayEquals(before.get(i).logProbs(), now.get(i).logProbs(), 1e-5f, "row " + i);
        }
    }

    @Test
    void greedyFollowsTheArgmaxOfTheFullForward() {
        DecodingLoop loop = new DecodingLoop(model, -1, 0, DecodingLoopTest::letters);
        int[] prompt = {3, 1, 4, 1, 5};
        Completion c = run(loop, List.of(prompt), 0, SamplingParams.greedy(6)).get(0);
        int[] seq = prompt.clone();
        for (int step = 0; step < 6; step++) {
            float[][] logits = model.logits(seq);
            float[] last = logits[seq.length - 1];
            int best = 0;
            for (int v = 1; v < last.length; v++) {
                if (last[v] > last[best]) {
                    best = v;
                }
            }
            assertEquals(best, c.tokenIds()[step], "step " + step);
            seq = java.util.Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        assertEquals(FinishReason.LENGTH, c.finishReason());
    }

    @Test
    void logProbsAreThoseOfTheTemperatureScaledDistribution() {
        DecodingLoop loop = new DecodingLoop(model, -1, 0, DecodingLoopTest::letters);
        int[] prompt = {2, 7};
        double temperature = 0.7;
        Completion c = run(loop, List.of(prompt), 0,
                SamplingParams.builder().maxNewTokens(4).temperature(temperature).seed(5).build()).get(0);
        int[] seq = prompt.clone();
        for (int step = 0; step < 4; step++) {
            float[] last = model.logits(seq)[seq.length - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : last) {
                max = Math.max(max, v / temperature);
            }
            double z = 0;
            for (float v : last) {
                z += Math.exp(v / temperature - max);
            }
            int tok = c.tokenIds()[step];
            double expected = last[tok] / temperature - max - Math.log(z);
            assertEquals(expected, c.logProbs()[step], 1e-4);
            seq = java.util.Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = tok;
        }
    }

    @Test
    void samplingIsReproducibleBySeedAndIndependentOfBatchComposition() {
        DecodingLoop loop = new DecodingLoop(model, -1, 0, DecodingLoopTest::letters);
        List<int[]> ps = prompts(5, 1);
        SamplingParams p = SamplingParams.builder().maxNewTokens(12).temperature(1.0).topK(10).topP(0.9).seed(77).build();
        List<String> a = run(loop, ps, 0, p).stream().map(Completion::text).collect(Collectors.toList());
        List<String> b = run(loop, ps, 0, p).stream().map(Completion::text).collect(Collectors.toList());
        assertEquals(a, b, "same seed, same completions");
        // Row 3 alone, with its own key, samples the same continuation as inside the batch.
        String alone = run(loop, List.of(ps.get(3)), 3, p).get(0).text();
        assertEquals(a.get(3), alone);
        List<String> other = run(loop, ps, 0, p.toBuilder().seed(78).build()).stream().map(Completion::text)
                .collect(Collectors.toList());
        assertNotEquals(a, other, "another seed samples differently");
    }

    @Test
    void rowsThatFinishEarlyAreDroppedWithoutChangingAnyRow() {
        // EOS is a common token here, so rows end at different steps and the batch is compacted
        // several times; every row must still equal the same row decoded alone.
        DecodingLoop loop = new DecodingLoop(model, 5, 0, DecodingLoopTest::letters);
        List<int[]> ps = prompts(16, 4);
        SamplingParams p = SamplingParams.builder().maxNewTokens(40).temperature(1.3).seed(21).build();
        List<Completion> batch = run(loop, ps, 0, p);
        long early = batch.stream().filter(c -> c.finishReason() == FinishReason.EOS).count();
        assertTrue(early >= 4, "the test needs rows that stop early, got " + early);
        for (int i = 0; i < ps.size(); i++) {
            Completion alone = run(loop, List.of(ps.get(i)), i, p).get(0);
            assertArrayEquals(alone.tokenIds(), batch.get(i).tokenIds(), "row " + i);
            assertArrayEquals(alone.logProbs(), batch.get(i).logProbs(), 1e-4f, "row " + i);
            assertEquals(i, batch.get(i).promptIndex());
        }
    }

    /**
     * A prompt's samples share one prefill (its cache rows copied on the engine), and each completion
     * is still the one that row decodes alone: same tokens, same log-probabilities to rounding. Covers
     * greedy, plain and truncated sampling, with rows that finish early and are compacted away.
     */
    @Test
    void samplesSharingAPrefillEqualEachCompletionDecodedAlone() {
        DecodingLoop loop = new DecodingLoop(model, 3, 0, DecodingLoopTest::letters);
        List<int[]> distinct = prompts(4, 21);
        int group = 4;
        List<int[]> rows = new ArrayList<>();
        for (int[] p : distinct) {
            for (int g = 0; g < group; g++) {
                rows.add(p.clone()); // equal content, distinct arrays: sharing goes by content
            }
        }
        for (SamplingParams p : List.of(SamplingParams.greedy(10), SamplingParams.builder().maxNewTokens(10).seed(3).build(),
                SamplingParams.builder().maxNewTokens(10).temperature(0.8).topK(6).topP(0.9).minP(0.05).seed(4).build())) {
            List<Completion> shared = run(loop, rows, 0, p);
            for (int i = 0; i < rows.size(); i++) {
                Completion alone = run(loop, List.of(rows.get(i)), i, p).get(0);
                assertArrayEquals(alone.tokenIds(), shared.get(i).tokenIds(), "row " + i);
                assertArrayEquals(alone.logProbs(), shared.get(i).logProbs(), 1e-4f, "row " + i);
                assertEquals(alone.finishReason(), shared.get(i).finishReason(), "row " + i);
            }
        }
    }

    @Test
    void stopsAtEosAndAtStopStrings() {
        // Greedy continuation first, then make one of its tokens the EOS / a stop string.
        DecodingLoop free = new DecodingLoop(model, -1, 0, DecodingLoopTest::letters);
        int[] prompt = {1, 2, 3};
        Completion c = run(free, List.of(prompt), 0, SamplingParams.greedy(8)).get(0);
        int eos = c.tokenIds()[3];
        int firstEos = 0;
        while (c.tokenIds()[firstEos] != eos) {
            firstEos++;
        }
        Completion e = run(new DecodingLoop(model, eos, 0, DecodingLoopTest::letters), List.of(prompt), 0,
                SamplingParams.greedy(8)).get(0);
        assertEquals(FinishReason.EOS, e.finishReason());
        assertEquals(firstEos + 1, e.length(), "EOS is kept as the last token");
        assertEquals(eos, e.tokenIds()[e.length() - 1]);

        String stop = c.text().substring(2, 4);
        Completion s = run(free, List.of(prompt), 0,
                SamplingParams.builder().temperature(0).maxNewTokens(8).stopStrings(List.of(stop)).build()).get(0);
        assertEquals(FinishReason.STOP_STRING, s.finishReason());
        assertEquals(c.text().substring(0, c.text().indexOf(stop)), s.text());
    }

    @Test
    void noArraysLeakIntoTheModelManagerAcross100Generations() {
        DecodingLoop loop = new DecodingLoop(model, 5, 0, DecodingLoopTest::letters);
        List<int[]> ps = prompts(3, 2);
        SamplingParams p = SamplingParams.builder().maxNewTokens(5).seed(1).build();
        run(loop, ps, 0, p); // warm-up: lazily created state settles
        int before = model.manager().getManagedArrays().size();
        for (int i = 0; i < 100; i++) {
            run(loop, ps, i, p);
        }
        int after = model.manager().getManagedArrays().size();
        assertEquals(before, after, "live arrays in the model's manager");
        assertTrue(before > 0);
    }
}
