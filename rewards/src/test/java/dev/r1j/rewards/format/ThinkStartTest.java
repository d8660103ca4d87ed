package dev.r1j.rewards.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.math.MathReward;
import org.junit.jupiter.api.Test;

/**
 * Completions of prompts whose template opened the think block (DeepSeek-R1: the prompt ends with
 * {@code <think>\n}) or closed an empty one (Qwen3, enable_thinking=false), as those models write them.
 */
class ThinkStartTest {

    static final Problem P = Problem.of("p", "What is 3+4?", "7", TaskKind.MATH);
    static final String R1_PROMPT = "<｜begin▁of▁sentence｜><｜User｜>What is 3+4?<｜Assistant｜><think>\n";
    static final String QWEN3_NO_THINK = "<|im_start|>user\nWhat is 3+4?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

    @Test
    void theStartIsReadFromThePromptsEnd() {
        assertEquals(ThinkStart.INSIDE, ThinkStart.of(R1_PROMPT));
        assertEquals(ThinkStart.AFTER, ThinkStart.of(QWEN3_NO_THINK));
        assertEquals(ThinkStart.OUTSIDE, ThinkStart.of("Question: 3+4\nAnswer: "));
        assertEquals(ThinkStart.OUTSIDE, ThinkStart.of("<think>a</think> then a question: "), "closed, then more prompt");
        assertEquals(ThinkStart.OUTSIDE, ThinkStart.of(""));
    }

    @Test
    void formatRewardReadsACompletionThatBeginsInsideTheThinkBlock() {
        ThinkAnswerFormat inside = new ThinkAnswerFormat(ThinkStart.INSIDE);
        assertEquals(1.0, inside.score(P, "3 plus 4 is 7.\n</think>\n\n<answer>7</answer>").score());
        assertEquals(0.0, inside.score(P, "<think>again</think><answer>7</answer>").score(), "a second think block");
        assertEquals(0.0, inside.score(P, "<answer>7</answer>").score(), "the think block is never closed");
        assertEquals(0.0, inside.score(P, "x</think><answer>7</answer> and 8").score());
        assertTrue(inside.thinks("r</think><answer>7</answer>"));
        assertEquals(0.0, new ThinkAnswerFormat().score(P, "r</think><answer>7</answer>").score(),
                "the same text is malformed for a prompt that left the block to the model");
        assertEquals(1.0, new TagCount(ThinkStart.INSIDE).score(P, "r</think><answer>7</answer>").score());
    }

    @Test
    void formatRewardReadsACompletionThatBeginsAfterAClosedBlock() {
        ThinkAnswerFormat after = new ThinkAnswerFormat(ThinkStart.AFTER);
        assertEquals(1.0, after.score(P, "<answer>7</answer>").score());
        assertEquals(0.0, after.score(P, "<think>x</think><answer>7</answer>").score(), "thinking was switched off");
        assertFalse(after.thinks("<answer>7</answer>"), "an empty block the template wrote is not thinking");
        ThinkAnswerFormat outside = new ThinkAnswerFormat();
        assertTrue(outside.thinks("<think>x</think><answer>7</answer>"));
        assertFalse(new ThinkAnswerFormat(false).thinks("<answer>7</answer>"));
    }

    @Test
    void answersAreExtractedFromEitherKindOfCompletion() {
        MathReward strict = MathReward.strict();
        RewardResult inside = strict.score(P, "Maybe \\boxed{8}? No: 3+4 = 7.\n</think>\n\nThe answer is \\boxed{7}.");
        assertTrue(inside.correct(), inside.reason());
        assertEquals("7", inside.extracted());
        RewardResult after = strict.score(P, "The answer is \\boxed{7}.");
        assertTrue(after.correct(), after.reason());
        assertFalse(strict.score(P, "I think \\boxed{7}... wait, 8.\n</think>\n\n\\boxed{8}").correct(),
                "the answer after </think> counts, not a draft inside the reasoning");
    }
}
