package dev.r1j.rewards.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.WeightedReward;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormatRewardsTest {

    static final Problem P = Problem.of("p", "1+1", "2", TaskKind.MATH);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "<think>1+1=2</think><answer>2</answer>|1.0",
        "'  <think>a</think>  <answer>2</answer>  '|1.0",
        "<think></think><answer></answer>|1.0",
        "<answer>2</answer>|0.0",
        "<think>x</think><answer>2</answer><answer>3</answer>|0.0",
        "<think>x</think><answer>2</answer> and also 3|0.0",
        "<answer>2</answer><think>x</think>|0.0",
        "<think>x <think>y</think></think><answer>2</answer>|0.0",
        "<think>x <answer>2</answer></think>|0.0",
        "<think>x</think> so <answer>2</answer>|0.0",
        "<think>unclosed<answer>2</answer>|0.0",
        "<think>x</think><answer>2|0.0",
        "preamble <think>x</think><answer>2</answer>|0.0",
        "</answer><think>x</think><answer>2|0.0",
        "no tags at all|0.0",
    })
    void thinkThenAnswerExactlyOnce(String completion, double expected) {
        RewardResult r = new ThinkAnswerFormat().score(P, completion);
        assertEquals(expected, r.score(), r.reason());
        assertEquals(expected == 1.0, r.correct());
    }

    @Test
    void whitespaceAroundTheBlocksIsAllowed() {
        assertEquals(1.0, new ThinkAnswerFormat().score(P, "\n<think>a\nb</think>\n\n<answer>2</answer>\n").score());
    }

    @Test
    void thinkCanBeOptional() {
        ThinkAnswerFormat lenient = new ThinkAnswerFormat(false);
        assertEquals(1.0, lenient.score(P, " <answer>2</answer> ").score());
        assertEquals(0.0, lenient.score(P, "x <answer>2</answer>").score());
        assertEquals(1.0, lenient.score(P, "<think>a</think><answer>2</answer>").score());
    }

    @Test
    void tagCountGivesPartialCredit() {
        TagCount t = new TagCount();
        assertEquals(1.0, t.score(P, "<think>a</think><answer>2</answer>").score());
        assertEquals(0.5, t.score(P, "<answer>2</answer>").score());
        assertEquals(0.75, t.score(P, "<think>a</think><answer>2").score());
        assertEquals(0.5, t.score(P, "<think>a</think><answer>2</answer><answer>3</answer>").score(), "repeats earn nothing");
        assertEquals(0.0, t.score(P, null).score());
    }

    @Test
    void overlongPenaltyFollowsDapo() {
        OverlongPenalty o = new OverlongPenalty(100, 20);
        assertEquals(0.0, o.penalty(0));
        assertEquals(0.0, o.penalty(80));
        assertEquals(-0.5, o.penalty(90), 1e-12);
        assertEquals(-1.0, o.penalty(100), 1e-12);
        assertEquals(-1.0, o.penalty(101));
        assertEquals(-0.25, o.score(P, "x".repeat(85)).score(), 1e-12);
        OverlongPenalty tokens = new OverlongPenalty(10, 5, s -> s.split(" ").length);
        assertEquals(-0.2, tokens.score(P, "a b c d e f").score(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new OverlongPenalty(10, 10));
    }

    @Test
    void weightedSumKeepsEveryComponent() {
        WeightedReward w = WeightedReward.builder()
                .add("accuracy", 1.0, (p, c) -> c.contains("<answer>2</answer>") ? RewardResult.correct("2", "right")
                        : RewardResult.wrong("", "wrong"))
                .add("format", 0.5, new ThinkAnswerFormat())
                .add("broken", 2.0, (p, c) -> {
                    throw new IllegalStateException("bug");
                })
                .build();
        RewardResult r = w.score(P, "<think>1+1=2</think><answer>2</answer>");
        assertEquals(1.5, r.score(), 1e-12);
        assertTrue(r.correct());
        assertEquals("2", r.extracted());
        assertEquals(1.0, r.components().get("accuracy"));
        assertEquals(1.0, r.components().get("format"));
        assertEquals(0.0, r.components().get("broken"));
        assertTrue(r.reason().contains("bug"), r.reason());
        RewardResult wrong = w.score(P, "<answer>3</answer>");
        assertFalse(wrong.correct());
        assertEquals(0.0, wrong.score());
        assertThrows(IllegalArgumentException.class, () -> WeightedReward.builder().add("a", 1, new TagCount())
                .add("a", 1, new TagCount()));
        assertThrows(IllegalArgumentException.class, () -> WeightedReward.builder().add("a", 1, new TagCount()).judge("b").build());
    }
}
