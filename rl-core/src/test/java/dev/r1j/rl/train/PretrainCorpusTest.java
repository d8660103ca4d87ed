package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.ExpressionTask;
import dev.r1j.rewards.format.SelfCheck;
import dev.r1j.rewards.format.ThinkStart;
import dev.r1j.rewards.tasks.MultiplicationTask;
import dev.r1j.rewards.tasks.CheckStyle;
import dev.r1j.rewards.tasks.SelfCheckingSolution;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PretrainCorpusTest {

    private static final PretrainCorpus CORPUS = new PretrainCorpus(List.of(
            new PretrainCorpus.Part(new MultiplicationTask(2, 2), 600),
            new PretrainCorpus.Part(new ExpressionTask(3, 4, 9), 300),
            new PretrainCorpus.Part(new CountdownTask(4, 50), 100)), 0.2, 5);

    @Test
    void documentsAreWorkedOrDirectAsDrawnAndReproducible() {
        List<String> docs = CORPUS.documents(PromptTemplate.DEFAULT);
        assertEquals(1000, docs.size());
        assertEquals(docs, CORPUS.documents(PromptTemplate.DEFAULT), "same seed, same corpus");
        long thinking = docs.stream().filter(d -> d.contains("<think>")).count();
        // 1000 Bernoulli(0.2) draws: 200 expected, sd 12.6; 5 sd either side.
        assertTrue(thinking > 137 && thinking < 263, "think share: " + thinking);
        for (String d : docs) {
            assertTrue(d.startsWith("Question: ") && d.endsWith("</answer>"), d);
            assertEquals(1, d.split("<answer>", -1).length - 1, d);
        }
        long countdown = docs.stream().filter(d -> d.contains("Use ")).count();
        assertEquals(100, countdown);
    }

    @Test
    void aDocumentShowsTheWorkedSolutionThenTheAnswer() {
        Problem p = new MultiplicationTask(2, 2).generate(1, 1).get(0);
        String worked = PretrainCorpus.document(PromptTemplate.DEFAULT, p, true);
        assertEquals("Question: " + p.prompt() + "\nAnswer: <think>" + p.meta("solution", "") + "</think><answer>"
                + p.answer() + "</answer>", worked);
        assertEquals("Question: " + p.prompt() + "\nAnswer: <answer>" + p.answer() + "</answer>",
                PretrainCorpus.document(PromptTemplate.DEFAULT, p, false));
        Problem c = new CountdownTask(4, 50).generate(1, 1).get(0);
        assertTrue(PretrainCorpus.document(PromptTemplate.DEFAULT, c, false)
                .endsWith("<answer>" + c.meta(CountdownTask.EXPRESSION, "?") + "</answer>"), "countdown answers with its expression");
        Problem plain = new Problem("x", "1+1", "2", TaskKind.MATH, Map.of());
        assertTrue(PretrainCorpus.document(PromptTemplate.DEFAULT, plain, true).contains("<think></think>"));
    }

    /**
     * SHA-256 of {@link #CORPUS}'s documents joined by NUL, computed with the corpus code as it was
     * before checking solutions existed (commit ef3f9f3): without checks, a corpus must be that one
     * byte for byte, or the recipes of the shipped models no longer make them.
     */
    private static final String DIGEST_BEFORE_CHECKS = "71c1a1ee2ea8c3097dc7821e94eae5a0645b4e4413792bb6502ae415e8e850f1";

    @Test
    void withoutChecksTheCorpusIsTheOneBeforeChecksExisted() throws Exception {
        assertEquals(DIGEST_BEFORE_CHECKS, sha256(CORPUS.documents(PromptTemplate.DEFAULT)));
        PretrainCorpus noChecks = new PretrainCorpus(CORPUS.parts(), 0.2, 0, 0.9, 5);
        assertEquals(DIGEST_BEFORE_CHECKS, sha256(noChecks.documents(PromptTemplate.DEFAULT)), "slip share unused");
        assertEquals(0, CORPUS.checkShare());
        assertEquals(0.5, CORPUS.slipShare());
    }

    private static String sha256(List<String> docs) throws Exception {
        byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                .digest(String.join("\0", docs).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(hash);
    }

    /** The completion part of a document: what follows the rendered prompt. */
    private static String turn(String doc) {
        return doc.substring(doc.indexOf("\nAnswer: ") + "\nAnswer: ".length());
    }

    private static String think(String doc) {
        return doc.substring(doc.indexOf("<think>") + "<think>".length(), doc.indexOf("</think>"));
    }

    @Test
    void aShareOfWorkedSolutionsCheckAndSomeOfThoseSlipAndRedo() {
        PretrainCorpus checking = new PretrainCorpus(CORPUS.parts(), 0.2, 0.5, 0.5, 5);
        List<String> plain = CORPUS.documents(PromptTemplate.DEFAULT);
        List<String> docs = checking.documents(PromptTemplate.DEFAULT);
        assertEquals(docs, checking.documents(PromptTemplate.DEFAULT), "same seed, same corpus");
        assertEquals(plain.size(), docs.size());
        int checks = 0;
        int slips = 0;
        int worked = 0;
        for (int i = 0; i < docs.size(); i++) {
            String d = docs.get(i);
            String p = plain.get(i);
            // The same problems think, in the same order: checks are drawn apart from the think draws.
            assertEquals(p.substring(0, p.indexOf("Answer: ")), d.substring(0, d.indexOf("Answer: ")));
            assertEquals(p.contains("<think>"), d.contains("<think>"), d);
            assertTrue(d.endsWith(p.substring(p.lastIndexOf("<answer>"))), "the answer is unchanged: " + d);
            if (!d.contains("<think>")) {
                assertEquals(p, d);
                continue;
            }
            worked++;
            String solution = think(p);
            String t = think(d);
            if (t.startsWith(SelfCheckingSolution.CHECK_MODE + "\n")) {
                checks++;
                String body = t.substring(SelfCheckingSolution.CHECK_MODE.length() + 1);
                assertTrue(SelfCheck.checks(ThinkStart.OUTSIDE, turn(d)), d);
                if (SelfCheck.corrects(ThinkStart.OUTSIDE, turn(d))) {
                    slips++;
                    assertEquals(1, body.split(" wait\n", -1).length - 1, "one slip: " + d);
                } else {
                    assertEquals(SelfCheckingSolution.checked(solution), body);
                }
            } else {
                assertEquals(SelfCheckingSolution.PLAIN_MODE + "\n" + solution, t, "a plain solution says so");
                assertFalse(SelfCheck.checks(ThinkStart.OUTSIDE, turn(d)), d);
            }
        }
        // ~200 worked solutions: ~100 check (sd 7), ~50 of those slip (sd 5); 5 sd either side.
        assertTrue(checks > 65 && checks < 135, checks + " of " + worked + " check");
        assertTrue(slips > 15 && slips < checks - 15, slips + " of " + checks + " slip");
        PretrainCorpus always = new PretrainCorpus(CORPUS.parts(), 0.2, 1, 1, 5);
        for (String d : always.documents(PromptTemplate.DEFAULT)) {
            assertEquals(d.contains("<think>"), SelfCheck.corrects(ThinkStart.OUTSIDE, turn(d)), d);
        }
        PretrainCorpus never = new PretrainCorpus(CORPUS.parts(), 0.2, 1, 0, 5);
        for (String d : never.documents(PromptTemplate.DEFAULT)) {
            assertEquals(d.contains("<think>"), SelfCheck.checks(ThinkStart.OUTSIDE, turn(d)), d);
            assertFalse(SelfCheck.corrects(ThinkStart.OUTSIDE, turn(d)), d);
        }
    }

    @Test
    void maskedSlipsMarkExactlyTheSlippedResultAndChangeNoText() {
        PretrainCorpus split = new PretrainCorpus(CORPUS.parts(), 0.2, 0.5, 0.5, 5, CheckStyle.SPLIT, SlipPlan.ONE, false);
        PretrainCorpus masked = new PretrainCorpus(CORPUS.parts(), 0.2, 0.5, 0.5, 5, CheckStyle.SPLIT, SlipPlan.ONE, true);
        List<PretrainCorpus.Document> docs = masked.maskedDocuments(PromptTemplate.DEFAULT);
        assertEquals(split.documents(PromptTemplate.DEFAULT), masked.documents(PromptTemplate.DEFAULT),
                "masking changes what is learned, not the text");
        assertTrue(split.maskedDocuments(PromptTemplate.DEFAULT).stream().noneMatch(PretrainCorpus.Document::masked),
                "no span without mask_slips");
        int spans = 0;
        for (PretrainCorpus.Document d : docs) {
            String t = d.text();
            assertEquals(SelfCheck.corrects(ThinkStart.OUTSIDE, turn(t)), d.masked(), "a span exactly where a slip is: " + t);
            if (!d.masked()) {
                continue;
            }
            spans++;
            assertEquals(1, d.unlearned().size(), "one slip: " + t);
            // The span is the result of the step whose check says wait, and that step is redone right after.
            int start = d.unlearned().get(0).start();
            int end = d.unlearned().get(0).end();
            String wrong = t.substring(start, end);
            int lineStart = t.lastIndexOf('\n', start) + 1;
            int lineEnd = t.indexOf('\n', end);
            assertEquals(lineEnd, end, "the span ends the step's line: " + t);
            String step = t.substring(lineStart, lineEnd);
            assertEquals(step.substring(step.indexOf('=') + 1), wrong, t);
            String[] next = t.substring(lineEnd + 1).split("\n", 3);
            assertTrue(next[0].startsWith("check ") && next[0].endsWith(" wait"), t);
            assertEquals(step.substring(0, step.indexOf('=') + 1), next[1].substring(0, next[1].indexOf('=') + 1),
                    "the same step again: " + t);
            assertFalse(next[1].endsWith("=" + wrong), "redone with another result: " + t);
        }
        assertTrue(spans > 15, spans + " masked slips");
        assertEquals(CheckStyle.SPLIT, masked.resized(100, 9).checkStyle());
        assertTrue(masked.resized(100, 9).maskSlips());

        // Each step on its own: about half of all checks fail, and every failure's result is masked.
        PretrainCorpus each = new PretrainCorpus(CORPUS.parts(), 0.2, 1, 0.5, 5, CheckStyle.SPLIT, SlipPlan.EACH_STEP, true);
        int waits = 0;
        int oks = 0;
        for (PretrainCorpus.Document d : each.maskedDocuments(PromptTemplate.DEFAULT)) {
            int w = d.text().split(" wait\n", -1).length - 1;
            waits += w;
            oks += d.text().split(" ok", -1).length - 1;
            assertEquals(w, d.unlearned().size(), d.text());
            for (var span : d.unlearned()) {
                assertTrue(d.text().charAt(span.start() - 1) == '=' && d.text().charAt(span.end()) == '\n', d.text());
            }
        }
        assertTrue(waits > 0.35 * (waits + oks) && waits < 0.65 * (waits + oks), waits + " failing and " + oks + " passing checks");
        assertEquals(SlipPlan.EACH_STEP, each.resized(100, 9).slips());
    }

    @Test
    void resizingKeepsTheProportions() {
        PretrainCorpus small = CORPUS.resized(100, 9);
        assertEquals(List.of(60, 30, 10), small.parts().stream().map(PretrainCorpus.Part::count).toList());
        assertEquals(0.2, small.thinkShare());
        assertEquals(9, small.seed());
        PretrainCorpus checking = new PretrainCorpus(CORPUS.parts(), 0.2, 0.05, 0.3, 5).resized(100, 9);
        assertEquals(0.05, checking.checkShare());
        assertEquals(0.3, checking.slipShare());
    }

    @Test
    void badCorporaAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus(List.of(), 0.2, 1));
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus(CORPUS.parts(), 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus.Part(new MultiplicationTask(2, 2), -1));
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new PretrainCorpus(CORPUS.parts(), 0.2, bad, 0.5, 1));
            assertTrue(e.getMessage().startsWith("check share") && e.getMessage().contains("[0, 1]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus(CORPUS.parts(), 0.2, 0.1, bad, 1));
            assertTrue(e.getMessage().startsWith("slip share") && e.getMessage().contains("[0, 1]"), e.getMessage());
        }
    }
}
