package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.FinishReason;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.optim.AdamW;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The combined GRPO loss the trainer logs (clipped surrogate + beta * KL, aggregated), on a batch whose
 * every figure is known by hand.
 *
 * <p>The models: every decoder weight is zero, so each block adds nothing to the residual stream.
 * The policy as given has a zero embedding and head, so its logits are 0 and every token has
 * log-probability -ln V: that is the KL reference (the policy as given, before a checkpoint replaces
 * its weights). The run then resumes from a checkpoint whose embedding rows and norm gains are all
 * ones, so the final hidden state is ones / sqrt(1 + 1e-6) at every position, and whose head row of
 * token "a" is (ln 2 / H) x ones, every other row 0: the policy's logits are ln 2 for "a" and 0
 * otherwise (to 5e-7), so log p(a) = ln 2 - ln(V + 1) and log p(other) = -ln(V + 1). With one pass the
 * ratio is exactly 1, inside any clip range, so each loss token contributes w (-A + beta k3) with
 * k3 = e^d - d - 1, d = log p_ref - log p_policy:
 * <pre>
 * token "a": d = ln((V + 1) / (2V)),  ka = (V + 1) / (2V) - ln((V + 1) / (2V)) - 1
 * token "b": d = ln((V + 1) / V),     kb = 1 / V - ln(1 + 1 / V)
 * </pre>
 *
 * <p>The batch: two prompts, three fixed completions each, advantages without std scaling
 * (A = r - group mean), overlong filtering on:
 * <pre>
 * group 1: "a"   1 token  r 1  A  2/3
 *          "aa"  2 tokens r 0  A -1/3
 *          "aaa" 3 tokens r 0  A -1/3
 * group 2: "bbbb" 4 tokens, cut at max_new_tokens = 4: r 1, A 1/3, out of the loss (0 tokens)
 *          "b"   1 token  r 1  A  1/3
 *          "bb"  2 tokens r 0  A -2/3
 * </pre>
 * N = 6 sequences, 9 loss tokens (6 "a", 3 "b"). The surrogate part: sum over loss sequences of
 * tokens x A = 1(2/3) + 2(-1/3) + 3(-1/3) + 1(1/3) + 2(-2/3) = -2; sum of A over the sequences in
 * the loss = 2/3 - 1/3 - 1/3 + 1/3 - 2/3 = -1/3. The KL part: every token of a sequence has the same k3.
 * <ul>
 *   <li>sequence mean, weight 1/(N len), the filtered sequence still counting in N:
 *       loss = -(1/6)(-1/3) + (beta/6)(3 ka + 2 kb) = 1/18 + beta (3 ka + 2 kb) / 6;
 *   <li>token mean, weight 1/9: loss = 2/9 + beta (6 ka + 3 kb) / 9;
 *   <li>constant, weight 1/(N max_new_tokens) = 1/24: loss = 2/24 + beta (6 ka + 3 kb) / 24.
 * </ul>
 * Logged KL: the mean over loss tokens, (6 ka + 3 kb) / 9. Entropy of the policy:
 * -(2/(V+1)) ln(2/(V+1)) - ((V-1)/(V+1)) ln(1/(V+1)) = ln(V + 1) - 2 ln 2 / (V + 1).
 * Reward mean over all six: (1 + 0 + 0 + 1 + 1 + 0) / 6 = 1/2.
 */
class GrpoLossGoldenTest {

    @TempDir
    Path tmp;

    /** Group 1 scores "a" 1, group 2 scores everything but "bb" 1. */
    private static final Reward REWARD = (p, text) -> {
        boolean good = p.id().endsWith("-0") ? text.equals("a") : !text.equals("bb");
        return new RewardResult(good ? 1 : 0, good, text, "fixed");
    };

    private static final ProblemStream PROMPTS = (step, round, count) -> {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Problem.of("p-" + i, "q" + i, "a", TaskKind.MATH));
        }
        return out;
    };

    /** Always the same six completions, prompt by prompt, as the trainer asks for them. */
    private record FixedCompletions(HfTokenizer tok) implements Generator {
        @Override
        public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
            List<Completion> out = new ArrayList<>();
            out.add(completion(0, "a", FinishReason.EOS));
            out.add(completion(0, "aa", FinishReason.EOS));
            out.add(completion(0, "aaa", FinishReason.EOS));
            out.add(completion(1, "bbbb", FinishReason.LENGTH));
            out.add(completion(1, "b", FinishReason.EOS));
            out.add(completion(1, "bb", FinishReason.EOS));
            return out;
        }

        private Completion completion(int prompt, String text, FinishReason reason) {
            int[] ids = new int[text.length()];
            for (int i = 0; i < ids.length; i++) {
                int[] one = tok.encode(text.substring(i, i + 1));
                ids[i] = one[one.length - 1];
            }
            return new Completion(prompt, text, ids, new float[ids.length], reason);
        }
    }

    private static final double BETA = 0.5;

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void theLoggedLossIsTheHandComputedOne(LossAggregation aggregation) throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abq01 ").writeTo(tmp.resolve("tok"));
        TransformerConfig tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(8)
                .intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
                .maxPositionEmbeddings(32).tieWordEmbeddings(false).attentionBias(false).mlpBias(false)
                .eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
        double v = tok.vocabSize();
        double ka = (v + 1) / (2 * v) - Math.log((v + 1) / (2 * v)) - 1;
        double kb = 1 / v - Math.log(1 + 1 / v);
        double expected = switch (aggregation) {
            case SEQUENCE_MEAN -> 1.0 / 18 + BETA * (3 * ka + 2 * kb) / 6;
            case TOKEN_MEAN -> 2.0 / 9 + BETA * (6 * ka + 3 * kb) / 9;
            case CONSTANT -> 2.0 / 24 + BETA * (6 * ka + 3 * kb) / 24;
        };

        GrpoConfig config = GrpoConfig.builder().promptsPerStep(2).groupSize(3).maxNewTokens(4).steps(2).iterations(1)
                .beta(BETA).klEstimator(KlEstimator.K3).lossAggregation(aggregation).advantageScaling(AdvantageScaling.NONE)
                .overlongFiltering(true).rewardThreads(1).microBatchSize(2).samplesPerStep(0).checkpointEvery(0).build();
        Path run = tmp.resolve("run-" + aggregation);
        int a = tok.encode("a")[tok.encode("a").length - 1];
        try (CausalLm resumed = CausalLm.fromWeights(tiny, new DecoderWeights.MapWeights(resumedWeights(tiny, a),
                DecoderWeights.hfShapes(tiny)), "test");
             TrainingRun step1 = TrainingRun.open(resumed, resumed.trainableParameters(), new TrainingRun.Settings(run, 1, 0,
                     1.0, 0, new AdamW.Settings(0.9, 0.99, 1e-8, 0), List.of()), ProgressListener.silent())) {
            step1.checkpoint(1, Map.of(), TrainingRun.ModelFiles.NONE);
        }
        Map<String, float[]> zero = new LinkedHashMap<>();
        DecoderWeights.hfShapes(tiny).forEach((name, shape) -> zero.put(name, new float[(int) numel(shape)]));
        try (CausalLm model = CausalLm.fromWeights(tiny, new DecoderWeights.MapWeights(zero, DecoderWeights.hfShapes(tiny)),
                "test")) {
            for (float logit : model.logits(tok.encode("q0"))[0]) {
                assertEquals(0f, logit, 0f, "the reference has zero logits");
            }
            new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, new FixedCompletions(tok), REWARD, PROMPTS, config, run,
                    ProgressListener.silent()).train();
        }
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(1, lines.size(), "only step 2 ran");
        JsonNode m = new ObjectMapper().readTree(lines.get(0));
        assertEquals(2, m.get("step").asLong());
        assertEquals(expected, m.get("loss").asDouble(), 1e-5, aggregation + " loss");
        assertEquals((6 * ka + 3 * kb) / 9, m.get("kl").asDouble(), 1e-5, "k3, mean over loss tokens");
        assertEquals(Math.log(v + 1) - 2 * Math.log(2) / (v + 1), m.get("entropy").asDouble(), 1e-5, "policy entropy");
        assertEquals(0.0, m.get("clip_low").asDouble(), 0.0);
        assertEquals(0.0, m.get("clip_high").asDouble(), 0.0);
        assertEquals(0.5, m.get("reward").asDouble(), 1e-12);
        assertEquals(1.0 / 6, m.get("clipped_share").asDouble(), 1e-12, "one completion of six was cut");
    }

    /** Zero blocks; embedding rows and norm gains ones; head row {@code a} (ln 2 / H) x ones, the rest 0. */
    private static Map<String, float[]> resumedWeights(TransformerConfig c, int a) {
        Map<String, float[]> w = new LinkedHashMap<>();
        int h = c.hiddenSize();
        DecoderWeights.hfShapes(c).forEach((name, shape) -> {
            float[] values = new float[(int) numel(shape)];
            if (name.equals("model.embed_tokens.weight") || name.endsWith("norm.weight")) {
                java.util.Arrays.fill(values, 1f);
            } else if (name.equals("lm_head.weight")) {
                java.util.Arrays.fill(values, a * h, (a + 1) * h, (float) (Math.log(2) / h));
            }
            w.put(name, values);
        });
        return w;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
