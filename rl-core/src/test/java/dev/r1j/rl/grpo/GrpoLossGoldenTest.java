package dev.r1j.rl.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
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
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The combined GRPO loss the trainer logs (clipped surrogate + beta * KL, aggregated), on a batch whose
 * every figure is known by hand. The policy has all weights zero, so its logits are zero and every
 * token has log-probability -ln V (entropy ln V); the KL reference is the policy as given, so the k3
 * estimate exp(0) - 0 - 1 is 0; with one pass the ratio is exactly 1, inside any clip range, so each
 * loss token contributes -A times its aggregation weight.
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
 * N = 6 sequences, 9 loss tokens; sum over loss sequences of tokens x A:
 * 1(2/3) + 2(-1/3) + 3(-1/3) + 1(1/3) + 2(-2/3) = 2/3 - 2/3 - 1 + 1/3 - 4/3 = -2;
 * sum of A over the sequences in the loss: 2/3 - 1/3 - 1/3 + 1/3 - 2/3 = -1/3.
 * <ul>
 *   <li>sequence mean, weight 1/(N len): loss = -(1/6)(-1/3) = 1/18 (the filtered sequence still counts in N);
 *   <li>token mean, weight 1/9: loss = -(-2)/9 = 2/9;
 *   <li>constant, weight 1/(N max_new_tokens) = 1/24: loss = 2/24 = 1/12.
 * </ul>
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

    @ParameterizedTest
    @CsvSource({"SEQUENCE_MEAN, 0.05555555555555555", "TOKEN_MEAN, 0.2222222222222222", "CONSTANT, 0.08333333333333333"})
    void theLoggedLossIsTheHandComputedOne(LossAggregation aggregation, double expectedLoss) throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abq01 ").writeTo(tmp.resolve("tok"));
        TransformerConfig tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(8)
                .intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
                .maxPositionEmbeddings(32).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
        GrpoConfig config = GrpoConfig.builder().promptsPerStep(2).groupSize(3).maxNewTokens(4).steps(1).iterations(1)
                .beta(0.1).klEstimator(KlEstimator.K3).lossAggregation(aggregation).advantageScaling(AdvantageScaling.NONE)
                .overlongFiltering(true).rewardThreads(1).microBatchSize(2).samplesPerStep(0).checkpointEvery(0).build();
        Path run = tmp.resolve("run-" + aggregation);
        try (CausalLm model = CausalLm.randomInit(tiny, 3)) {
            for (NDArray p : model.parameters()) {
                p.set(new NDIndex(":"), 0f);
            }
            float[] logits = model.logits(tok.encode("q0"))[0];
            for (float v : logits) {
                assertEquals(0f, v, 0f, "a zero model has zero logits");
            }
            new GrpoTrainer(model, tok, PromptTemplate.DEFAULT, new FixedCompletions(tok), REWARD, PROMPTS, config, run,
                    ProgressListener.silent()).train();
        }
        JsonNode m = new ObjectMapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(0));
        assertEquals(expectedLoss, m.get("loss").asDouble(), 1e-6, aggregation + " loss");
        assertEquals(Math.log(tok.vocabSize()), m.get("entropy").asDouble(), 1e-5, "uniform entropy ln V");
        assertEquals(0.0, m.get("kl").asDouble(), 1e-7, "k3 against an identical reference");
        assertEquals(0.0, m.get("clip_low").asDouble(), 0.0);
        assertEquals(0.0, m.get("clip_high").asDouble(), 0.0);
        assertEquals(0.5, m.get("reward").asDouble(), 1e-12);
        assertEquals(1.0 / 6, m.get("clipped_share").asDouble(), 1e-12, "one completion of six was cut");
    }
}
