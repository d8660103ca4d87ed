package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.ExpressionTask;
import dev.r1j.rewards.tasks.MultiplicationTask;
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

    @Test
    void resizingKeepsTheProportions() {
        PretrainCorpus small = CORPUS.resized(100, 9);
        assertEquals(List.of(60, 30, 10), small.parts().stream().map(PretrainCorpus.Part::count).toList());
        assertEquals(0.2, small.thinkShare());
        assertEquals(9, small.seed());
    }

    @Test
    void badCorporaAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus(List.of(), 0.2, 1));
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus(CORPUS.parts(), 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new PretrainCorpus.Part(new MultiplicationTask(2, 2), -1));
    }
}
