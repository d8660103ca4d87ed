package dev.r1j.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParallelScorerTest {

    /** Correct when the completion equals the answer; throws on "boom", as a broken verifier might. */
    private static final Reward EXACT = (p, text) -> {
        if (text.equals("boom")) {
            throw new IllegalStateException("verifier bug");
        }
        return text.equals(p.answer()) ? RewardResult.correct(text, "equal") : RewardResult.wrong(text, "differs");
    };

    @Test
    void verdictsComeBackInInputOrderAndAThrowingRewardScoresZero() {
        List<Problem> problems = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            problems.add(Problem.of("p" + i, "q", Integer.toString(i), TaskKind.MATH));
            completions.add(i % 7 == 0 ? "boom" : i % 2 == 0 ? Integer.toString(i) : "x");
        }
        try (ParallelScorer scorer = new ParallelScorer(EXACT, 3)) {
            List<RewardResult> r = scorer.score(problems, completions);
            for (int i = 0; i < 50; i++) {
                boolean expected = i % 7 != 0 && i % 2 == 0;
                assertEquals(expected, r.get(i).correct(), "completion " + i);
                if (i % 7 == 0) {
                    assertEquals(0.0, r.get(i).score());
                    assertTrue(r.get(i).reason().contains("verifier bug"), r.get(i).reason());
                }
            }
            assertThrows(IllegalArgumentException.class, () -> scorer.score(problems, completions.subList(0, 3)));
        }
        assertFalse(ParallelScorer.safely(EXACT, problems.get(0), "boom").correct());
        assertThrows(IllegalArgumentException.class, () -> new ParallelScorer(EXACT, 0));
    }
}
