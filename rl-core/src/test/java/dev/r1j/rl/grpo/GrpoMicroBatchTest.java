package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code micro_batch_size} trades memory for time and nothing else: the docs promise that splitting a
 * step's sequences into micro-batches leaves the loss, and so the update, unchanged. Completion lengths
 * differ within a batch, so a normaliser computed per micro-batch instead of per batch would fail here.
 */
class GrpoMicroBatchTest {

    @TempDir
    Path tmp;

    /** Partial credit that depends on the whole completion, so advantages and lengths vary. */
    private static final Reward COUNT_A = (p, text) -> {
        long a = text.chars().filter(c -> c == 'a').count();
        return new RewardResult(a / 4.0, a > 0, String.valueOf(a), "a count");
    };

    private static final ProblemStream PROMPTS = (step, round, count) -> {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Problem.of("p" + step + "-" + i, "q" + i, "a", TaskKind.MATH));
        }
        return out;
    };

    private float[] train(HfTokenizer tok, TransformerConfig tiny, LossAggregation aggregation, int microBatch, Path run) {
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(3).groupSize(4).maxNewTokens(4).learningRate(0.02)
                .rewardThreads(1).steps(2).iterations(2).beta(0.05).lossAggregation(aggregation)
                .microBatchSize(microBatch).checkpointEvery(0).samplesPerStep(0).temperature(1.0).build();
        try (CausalLm model = CausalLm.randomInit(tiny, 11); DjlGenerator gen = new DjlGenerator(model, tok)) {
            new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, gen, COUNT_A, PROMPTS, config, run,
                    ProgressListener.silent()).train();
            int[] probe = tok.encode(PromptTemplate.DEFAULT.render("q1") + "ab");
            return flat(model.logits(probe));
        }
    }

    /** The probe's logits before any step, from the same initialisation. */
    private static float[] untrained(HfTokenizer tok, TransformerConfig tiny) {
        try (CausalLm model = CausalLm.randomInit(tiny, 11)) {
            return flat(model.logits(tok.encode(PromptTemplate.DEFAULT.render("q1") + "ab")));
        }
    }

    private static float[] flat(float[][] logits) {
        float[] flat = new float[logits.length * logits[0].length];
        for (int t = 0; t < logits.length; t++) {
            System.arraycopy(logits[t], 0, flat, t * logits[0].length, logits[0].length);
        }
        return flat;
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void microBatchesLeaveTheUpdateUnchanged(LossAggregation aggregation) throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abcdq012 ").writeTo(tmp.resolve("tok"));
        TransformerConfig tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
                .maxPositionEmbeddings(32).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
        Path whole = tmp.resolve("whole-" + aggregation);
        Path split = tmp.resolve("split-" + aggregation);
        float[] a = train(tok, tiny, aggregation, 12, whole);  // all 3 x 4 sequences in one pass
        float[] b = train(tok, tiny, aggregation, 1, split);   // one sequence a pass
        float maxDiff = 0;
        float maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        }
        assertEquals(0, maxDiff, 1e-4 * Math.max(1, maxAbs), aggregation + ": logits after two steps differ");
        // The comparison means something only if training moved the logits well beyond that tolerance.
        float[] before = untrained(tok, tiny);
        float moved = 0;
        for (int i = 0; i < a.length; i++) {
            moved = Math.max(moved, Math.abs(a[i] - before[i]));
        }
        assertTrue(moved > 10 * 1e-4 * Math.max(1, maxAbs), aggregation + ": training moved the logits by only " + moved);

        // The logged step figures agree too (the loss terms are sums over the same tokens).
        ObjectMapper json = new ObjectMapper();
        List<String> wholeLines = Files.readAllLines(whole.resolve("metrics.jsonl"));
        List<String> splitLines = Files.readAllLines(split.resolve("metrics.jsonl"));
        for (int s = 0; s < wholeLines.size(); s++) {
            JsonNode x = json.readTree(wholeLines.get(s));
            JsonNode y = json.readTree(splitLines.get(s));
            for (String field : List.of("reward", "length_mean", "grad_norm", "entropy")) {
                assertEquals(x.get(field).asDouble(), y.get(field).asDouble(), 1e-4 * Math.max(1, Math.abs(x.get(field).asDouble())),
                        aggregation + " step " + (s + 1) + " " + field);
            }
        }
    }
}
