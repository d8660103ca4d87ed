package dev.r1j.rl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {

    @Test
    void passAtKMatchesHandComputedValues() {
        assertEquals(0.7, Estimators.passAtK(5, 2, 2), 1e-12);        // 1 - C(3,2)/C(5,2) = 1 - 3/10
        assertEquals(0.4, Estimators.passAtK(5, 2, 1), 1e-12);        // c / n
        assertEquals(1.0, Estimators.passAtK(5, 4, 2), 1e-12);        // fewer than k wrong
        assertEquals(0.0, Estimators.passAtK(10, 0, 5), 1e-12);
        assertEquals(1 - 56.0 / 252, Estimators.passAtK(10, 2, 5), 1e-12); // 1 - C(8,5)/C(10,5)
        assertThrows(IllegalArgumentException.class, () -> Estimators.passAtK(3, 1, 4));
    }

    @Test
    void intervalsBehave() {
        Estimators.Interval none = Estimators.wilson(0, 10, Estimators.Z95);
        assertEquals(0.0, none.low(), 1e-12);
        assertEquals(0.2775, none.high(), 1e-4);
        Estimators.Interval half = Estimators.wilson(5, 10, Estimators.Z95);
        assertEquals(0.2366, half.low(), 1e-4);
        assertEquals(0.7634, half.high(), 1e-4);
        double[] values = new double[400];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 4 == 0 ? 1 : 0;
        }
        Estimators.Interval boot = Estimators.bootstrapMean(values, 2000, 1);
        assertTrue(boot.contains(0.25) && boot.high() - boot.low() < 0.12, boot.toString());
        assertEquals(boot, Estimators.bootstrapMean(values, 2000, 1), "seeded");
    }

    @Test
    void majorityVoteUsesTheMostFrequentAnswer() {
        assertTrue(Evaluation.majorityCorrect(new String[] {"4", "5", "4"}, new boolean[] {true, false, true}));
        assertFalse(Evaluation.majorityCorrect(new String[] {"5", "5", "4"}, new boolean[] {false, false, true}));
        assertFalse(Evaluation.majorityCorrect(new String[] {"", "", ""}, new boolean[] {false, false, false}));
        assertTrue(Evaluation.majorityCorrect(new String[] {"", "4", ""}, new boolean[] {false, true, false}));
    }

    @Test
    void evaluationIsReproducibleBySeed(@TempDir Path tmp) {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("0123456789+*= QA:\n").addTokens("<think>", "</think>",
                "<answer>", "</answer>").writeTo(tmp);
        TransformerConfig c = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(128).build();
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            problems.add(Problem.of("p" + i, i + "+1", Integer.toString(i + 1), TaskKind.MATH));
        }
        // A reward any sampled text can satisfy sometimes: the completion contains the answer's digit.
        dev.r1j.rewards.Reward contains = (p, text) -> text.contains(p.answer())
                ? RewardResult.correct(p.answer(), "contains") : RewardResult.wrong(text.isEmpty() ? "" : text.substring(0, 1), "no");
        try (CausalLm model = CausalLm.randomInit(c, 3); DjlGenerator gen = new DjlGenerator(model, tok)) {
            SamplingParams params = SamplingParams.builder().maxNewTokens(12).seed(11).build();
            EvalReport a = Evaluation.run(gen, PromptTemplate.DEFAULT, problems, contains, 4, params, ProgressListener.silent());
            EvalReport b = Evaluation.run(gen, PromptTemplate.DEFAULT, problems, contains, 4, params, ProgressListener.silent());
            assertEquals(a, b);
            assertEquals(6, a.problems());
            assertTrue(a.passAtK() >= a.passAt1(), a.toString());
            assertTrue(a.passAt1Interval().contains(a.passAt1()) && a.meanLengthInterval().contains(a.meanLength()));
            assertTrue(a.meanLength() > 0 && a.meanLength() <= 12);
        }
    }

    @Test
    void aForcedOpeningEndsThePromptAndIsScoredWithTheCompletion() {
        List<String> seen = new ArrayList<>();
        // A generator that answers "7</answer>" to everything and records what it was asked.
        dev.r1j.rl.generate.Generator fixed = (prompts, n, params) -> {
            seen.addAll(prompts);
            List<dev.r1j.rl.generate.Completion> out = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                for (int j = 0; j < n; j++) {
                    out.add(new dev.r1j.rl.generate.Completion(i, "7</answer>", new int[] {1, 2}, new float[] {0f, 0f},
                            dev.r1j.rl.generate.FinishReason.EOS));
                }
            }
            return out;
        };
        List<Problem> problems = List.of(Problem.of("a", "3+4", "7", TaskKind.MATH), Problem.of("b", "2+2", "4", TaskKind.MATH));
        dev.r1j.rewards.Reward reward = new dev.r1j.rewards.math.MathReward(
                dev.r1j.rewards.math.MathVerifier.builder().strict(true).build());
        SamplingParams params = SamplingParams.builder().maxNewTokens(4).build();
        EvalReport direct = Evaluation.run(fixed, PromptTemplate.DEFAULT, Opening.DIRECT, problems, reward, 2, params,
                ProgressListener.silent());
        assertTrue(seen.get(0).endsWith("Answer: <answer>"), seen.get(0));
        assertEquals(0.5, direct.passAt1(), 1e-12, "scored as <answer>7</answer>: right for 3+4, wrong for 2+2");
        assertEquals(0.0, direct.thinkRate());
        EvalReport free = Evaluation.run(fixed, PromptTemplate.DEFAULT, problems, reward, 2, params, ProgressListener.silent());
        assertEquals(0.0, free.passAt1(), "without the opening tag, strict extraction finds no answer");
    }

    /** A generator that answers {@code text} to every prompt. */
    static dev.r1j.rl.generate.Generator answering(String text) {
        return (prompts, n, params) -> {
            List<dev.r1j.rl.generate.Completion> out = new ArrayList<>();
            for (int i = 0; i < prompts.size() * n; i++) {
                out.add(new dev.r1j.rl.generate.Completion(i / n, text, new int[] {1}, new float[] {0f},
                        dev.r1j.rl.generate.FinishReason.EOS));
            }
            return out;
        };
    }

    @Test
    void thinkRateAndAnswersWhenTheTemplateOpensOrClosesTheThinkBlock() {
        List<Problem> problems = List.of(Problem.of("a", "3+4", "7", TaskKind.MATH));
        dev.r1j.rewards.Reward reward = dev.r1j.rewards.math.MathReward.strict();
        SamplingParams params = SamplingParams.builder().maxNewTokens(4).build();
        // DeepSeek-R1's convention: the prompt ends inside an opened think block.
        PromptTemplate opens = new PromptTemplate("<|User|>{prompt}<|Assistant|><think>\n");
        EvalReport r1 = Evaluation.run(answering("3+4 is 7\n</think>\n\n<answer>7</answer>"), opens, problems, reward, 2,
                params, ProgressListener.silent());
        assertEquals(1.0, r1.thinkRate(), "reasoning that closes the prompt's block is thinking");
        assertEquals(1.0, r1.passAt1());
        // The same completion from a prompt that leaves the block to the model is not well formed.
        assertEquals(0.0, Evaluation.run(answering("3+4 is 7\n</think>\n\n<answer>7</answer>"), PromptTemplate.DEFAULT,
                problems, reward, 2, params, ProgressListener.silent()).thinkRate());
        // Qwen3 with thinking off: the prompt closes an empty block, the model answers at once.
        PromptTemplate closes = new PromptTemplate("<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        EvalReport off = Evaluation.run(answering("<answer>7</answer>"), closes, problems, reward, 2, params,
                ProgressListener.silent());
        assertEquals(0.0, off.thinkRate(), "the template's empty block is not the model thinking");
        assertEquals(1.0, off.passAt1());
        assertThrows(IllegalArgumentException.class, () -> Evaluation.run(answering("x"), opens, Opening.THINK, problems,
                reward, 1, params, ProgressListener.silent()), "forcing <think> after the template's own <think>");
    }

    @Test
    void theModeOpeningsAreForcedAndTheChecksCounted() {
        List<Problem> problems = List.of(Problem.of("a", "3+4", "7", TaskKind.MATH));
        dev.r1j.rewards.Reward reward = dev.r1j.rewards.math.MathReward.strict();
        SamplingParams params = SamplingParams.builder().maxNewTokens(4).build();
        List<String> seen = new ArrayList<>();
        dev.r1j.rl.generate.Generator checking = (prompts, n, p) -> {
            seen.addAll(prompts);
            return answering("3+4=8\ncheck 8-4=4 wait\n3+4=7\ncheck 7-4=3 ok</think><answer>7</answer>").generate(prompts, n, p);
        };
        EvalReport r = Evaluation.run(checking, PromptTemplate.DEFAULT, Opening.THINK_CHECK, problems, reward, 2, params,
                ProgressListener.silent());
        assertTrue(seen.get(0).endsWith("Answer: <think>solve and check\n"), seen.get(0));
        assertEquals(1.0, r.thinkRate(), "the forced <think> is put back in front before scoring");
        assertEquals(1.0, r.checkRate());
        assertEquals(Estimators.wilson(2, 2, Estimators.Z95), r.checkRateInterval());
        assertEquals(1.0, r.passAt1());
        EvalReport asked = Evaluation.run(answering("3+4=7</think><answer>7</answer>"), PromptTemplate.DEFAULT,
                Opening.THINK_CHECK, problems, reward, 2, params, ProgressListener.silent());
        assertEquals(1.0, asked.thinkRate());
        assertEquals(0.0, asked.checkRate(), "the mode line the opening wrote is not a check");
        seen.clear();
        EvalReport plain = Evaluation.run(checking, PromptTemplate.DEFAULT, Opening.THINK_SOLVE, problems, reward, 2, params,
                ProgressListener.silent());
        assertTrue(seen.get(0).endsWith("Answer: <think>solve\n"), seen.get(0));
        assertEquals(1.0, plain.checkRate(), "the rate counts what the model wrote, whatever the opening asked");
        EvalReport free = Evaluation.run(answering("<think>check 7-4=3 ok</think><answer>7</answer>and more"),
                PromptTemplate.DEFAULT, problems, reward, 2, params, ProgressListener.silent());
        assertEquals(0.0, free.checkRate(), "text after the answer: not well formed, so no thinking and no checks");
        assertEquals(0.0, free.thinkRate());
    }

    @Test
    void r1DistillChatTemplateThatOpensTheThinkBlock(@TempDir Path tmp) {
        // DeepSeek-R1-Distill's template is DeepSeek-V3's with the generation prompt ending in <think>\n.
        dev.r1j.rl.chat.ChatTemplate v3 = dev.r1j.rl.chat.ChatTemplate.readFrom(
                dev.r1j.rl.chat.ChatFixtures.dir("deepseek_v3", tmp)).orElseThrow();
        String r1 = v3.source().replace("{{'<｜Assistant｜>'}}{% endif %}", "{{'<｜Assistant｜><think>\\n'}}{% endif %}");
        assertTrue(!r1.equals(v3.source()), "the generation prompt was found");
        java.util.Map<String, String> tokens = new java.util.HashMap<>();
        v3.specialTokens().forEach((k, v) -> tokens.put(k, v.toString()));
        PromptTemplate chat = PromptTemplate.chat("{prompt}", new dev.r1j.rl.chat.ChatPrompt(
                dev.r1j.rl.chat.ChatTemplate.of(r1, tokens), java.util.Optional.empty(), java.util.Map.of(),
                java.time.LocalDate.of(2025, 1, 1)));
        assertEquals("<｜begin▁of▁sentence｜><｜User｜>3+4<｜Assistant｜><think>\n", chat.render("3+4"));
        List<Problem> problems = List.of(Problem.of("a", "3+4", "7", TaskKind.MATH));
        EvalReport r = Evaluation.run(answering("Adding: 7.\n</think>\n\nThe answer is \\boxed{7}."), chat, problems,
                dev.r1j.rewards.math.MathReward.strict(), 2, SamplingParams.builder().maxNewTokens(4).build(),
                ProgressListener.silent());
        assertEquals(1.0, r.passAt1(), "the answer after </think> is extracted");
        assertEquals(0.0, r.thinkRate(), "no <answer> block: the R1-Zero format is not met, so it does not count");
        EvalReport tagged = Evaluation.run(answering("Adding: 7.\n</think>\n\n<answer>7</answer>"), chat, problems,
                dev.r1j.rewards.math.MathReward.strict(), 2, SamplingParams.builder().maxNewTokens(4).build(),
                ProgressListener.silent());
        assertEquals(1.0, tagged.thinkRate());
    }
}
