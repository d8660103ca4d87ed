package dev.r1j.distill.traces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.FinishReason;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceGeneratorTest {

    @TempDir
    Path tmp;

    /**
     * Sample j of a prompt is "<answer>A</answer>" with A = j % 3 (so samples 0 and 3 are duplicates),
     * with mean log-prob -j: lower j is more confident. The answer of problem i is i % 3.
     */
    private static final Generator FAKE = (prompts, n, params) -> {
        List<Completion> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < n; j++) {
                out.add(new Completion(i, "<answer>" + (j % 3) + "</answer>", new int[] {1, 2}, new float[] {-j, -j},
                        FinishReason.EOS));
            }
        }
        return out;
    };

    private static final Reward EXACT = (p, text) -> text.equals("<answer>" + p.answer() + "</answer>")
            ? RewardResult.correct(p.answer(), "exact") : RewardResult.wrong("", "no");

    private static List<Problem> problems(int n) {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Problem.of("p" + i, "q" + i, Integer.toString(i % 3), TaskKind.MATH));
        }
        return out;
    }

    private TraceGenerator generator(TraceSelection selection, int cap) {
        return new TraceGenerator(FAKE, PromptTemplate.DEFAULT, EXACT, "builtin:teacher", "abc123",
                new TraceGenerator.Settings(6, selection, cap, SamplingParams.builder().maxNewTokens(8).seed(4).build(), 2));
    }

    @Test
    void onlyCorrectDistinctCompletionsAreKeptUpToTheCap() {
        Path out = tmp.resolve("all.jsonl");
        TraceGenerator.Summary s = generator(TraceSelection.ALL_CORRECT, 4).generate(problems(5), out, ProgressListener.silent());
        // Each problem has 6 samples, 2 of them correct and identical: one distinct trace a problem.
        assertEquals(5, s.traces());
        assertEquals(30, s.samples());
        assertEquals(10, s.correctSamples());
        List<Trace> traces = TraceGenerator.read(out);
        for (Trace t : traces) {
            assertEquals("<answer>" + (t.index() % 3) + "</answer>", t.completion());
            assertEquals("builtin:teacher", t.teacher());
            assertEquals("abc123", t.teacherSha256());
            assertEquals(1.0, t.reward());
            assertTrue(t.prompt().startsWith("Question: q"), t.prompt());
        }
    }

    @Test
    void bestOfNKeepsTheMostConfidentCorrectSample() {
        Reward anyAnswer = (p, text) -> text.startsWith("<answer>") ? RewardResult.correct("", "ok") : RewardResult.wrong("", "no");
        TraceGenerator g = new TraceGenerator(FAKE, PromptTemplate.DEFAULT, anyAnswer, "t", "h",
                new TraceGenerator.Settings(6, TraceSelection.BEST_OF_N, 4, SamplingParams.builder().maxNewTokens(8).build(), 1));
        Path out = tmp.resolve("best.jsonl");
        g.generate(problems(3), out, ProgressListener.silent());
        List<Trace> traces = TraceGenerator.read(out);
        assertEquals(3, traces.size());
        traces.forEach(t -> assertEquals("<answer>0</answer>", t.completion(), "sample 0 has the highest mean log-prob"));
        // With every sample correct and all texts kept, the cap binds: 3 distinct texts, cap 2.
        TraceGenerator capped = new TraceGenerator(FAKE, PromptTemplate.DEFAULT, anyAnswer, "t", "h",
                new TraceGenerator.Settings(6, TraceSelection.ALL_CORRECT, 2, SamplingParams.builder().maxNewTokens(8).build(), 1));
        Path out2 = tmp.resolve("capped.jsonl");
        assertEquals(6, capped.generate(problems(3), out2, ProgressListener.silent()).traces());
    }

    @Test
    void anInterruptedRunContinuesToTheSameTraces() throws Exception {
        List<Problem> set = problems(40);
        Path straight = tmp.resolve("straight.jsonl");
        generator(TraceSelection.ALL_CORRECT, 4).generate(set, straight, ProgressListener.silent());
        Path killed = tmp.resolve("killed.jsonl");
        ProgressListener killer = new ProgressListener() {
            @Override
            public void step(long step, Map<String, Double> figures) {
                if (step > 12) {
                    throw new IllegalStateException("killed");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> generator(TraceSelection.ALL_CORRECT, 4).generate(set, killed, killer));
        // Simulate a crash between appending a chunk and recording it: a stray line past the recorded state.
        Files.writeString(killed, Files.readString(killed) + new Trace(39, "p39", "x", "y", 1, "t", "h", 1, 1, 8, 4, "now").toJson() + "\n");
        generator(TraceSelection.ALL_CORRECT, 4).generate(set, killed, ProgressListener.silent());
        assertEquals(strip(TraceGenerator.read(straight)), strip(TraceGenerator.read(killed)));
        // The ledger continues across the resume: every sampled token is booked once (6 samples x 2 tokens a problem).
        assertEquals(40L * 6 * 2, CostLedger.read(TraceGenerator.ledgerFile(straight)).stages().get("generation").tokens());
        assertEquals(40L * 6 * 2, CostLedger.read(TraceGenerator.ledgerFile(killed)).stages().get("generation").tokens());
    }

    @Test
    void badTraceLinesAreNamed() throws Exception {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, new Trace(0, "p", "q", "c", 1, "t", "h", 1, 1, 8, 0, "now").toJson() + "\n{\"index\": 1, \"prompt\": 3}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TraceGenerator.read(f));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains(":2"), e.getMessage());
    }

    @Test
    void sftExamplesLearnTheCompletionOnly() {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("Qq0123: \n").addTokens("<answer>", "</answer>").writeTo(tmp.resolve("tok"));
        TrainingExample e = TraceExamples.of("q1: ", "<answer>2</answer>", tok);
        int[] ids = e.tokens();
        assertEquals(4 + 3 + 1, ids.length, "4 prompt tokens, 3 completion tokens (tags are single tokens), EOS");
        assertEquals(4, e.promptLength(), "the prompt is excluded from the loss");
        assertEquals(tok.eosId(), ids[ids.length - 1]);
    }

    private static List<String> strip(List<Trace> traces) {
        return traces.stream().map(t -> t.index() + "|" + t.prompt() + "|" + t.completion()).toList();
    }
}
