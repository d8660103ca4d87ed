package dev.r1j.rewards.format;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;

/**
 * R1-Zero's format reward: the completion is exactly one {@code <think>…</think>} block followed by
 * exactly one {@code <answer>…</answer>} block, with nothing but whitespace around them. A second
 * answer block, a tag inside another block, an unclosed tag or text after the answer scores 0: these
 * are the ways a policy games a format reward (answering several times hoping one matches).
 *
 * <p>When the prompt already opened the think block (DeepSeek-R1's template) or closed an empty one
 * (Qwen3 with thinking off), the completion is judged as the continuation of what the prompt began
 * ({@link ThinkStart}): {@code reasoning</think><answer>…</answer>} is then well formed, and so is a
 * lone answer block after a closed one.
 *
 * @param requireThink whether the think block is required (default true); when false, a lone answer
 *                     block is also well formed
 * @param start        where completions begin relative to the think block (default {@link ThinkStart#OUTSIDE})
 */
public record ThinkAnswerFormat(boolean requireThink, ThinkStart start) implements Reward {

    private static final String[] TAGS = {"<think>", "</think>", "<answer>", "</answer>"};

    /** The strict default: think, then answer. */
    public ThinkAnswerFormat() {
        this(true);
    }

    public ThinkAnswerFormat(boolean requireThink) {
        this(requireThink, ThinkStart.OUTSIDE);
    }

    /** Think, then answer, for completions that begin at {@code start}. */
    public ThinkAnswerFormat(ThinkStart start) {
        this(true, start);
    }

    public ThinkAnswerFormat {
        java.util.Objects.requireNonNull(start, "start");
    }

    /**
     * Whether {@code completion} is well formed with a think block of the model's own writing: the
     * think-rate's count. After a block the prompt closed, the model did not think (thinking was off).
     */
    public boolean thinks(String completion) {
        return start != ThinkStart.AFTER && violation(start.opened() + (completion == null ? "" : completion)) == null
                && (start == ThinkStart.INSIDE || (completion != null && completion.contains("<think>")));
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        String why = violation(start.opened() + (completion == null ? "" : completion));
        return why == null ? new RewardResult(1.0, true, "", "well formed")
                : new RewardResult(0.0, false, "", why);
    }

    /** Why {@code text} is not well formed, or null when it is. */
    String violation(String text) {
        for (String tag : TAGS) {
            int count = count(text, tag);
            if (count > 1) {
                return tag + " appears " + count + " times";
            }
        }
        int think = text.indexOf("<think>");
        int thinkEnd = text.indexOf("</think>");
        int answer = text.indexOf("<answer>");
        int answerEnd = text.indexOf("</answer>");
        if (answer < 0 || answerEnd < 0) {
            return "no complete <answer> block";
        }
        if (answerEnd < answer) {
            return "</answer> before <answer>";
        }
        int answerStart = answer;
        if (think >= 0 || thinkEnd >= 0) {
            if (think < 0 || thinkEnd < 0) {
                return "unclosed <think> block";
            }
            if (thinkEnd < think) {
                return "</think> before <think>";
            }
            if (!text.substring(0, think).isBlank()) {
                return "text before <think>";
            }
            if (answer < thinkEnd) {
                return "<answer> inside or before the think block";
            }
            if (!text.substring(thinkEnd + "</think>".length(), answer).isBlank()) {
                return "text between </think> and <answer>";
            }
        } else if (requireThink) {
            return "no <think> block";
        } else if (!text.substring(0, answerStart).isBlank()) {
            return "text before <answer>";
        }
        if (!text.substring(answerEnd + "</answer>".length()).isBlank()) {
            return "text after </answer>";
        }
        return null;
    }

    static int count(String text, String tag) {
        int n = 0;
        for (int i = text.indexOf(tag); i >= 0; i = text.indexOf(tag, i + tag.length())) {
            n++;
        }
        return n;
    }

    @Override
    public String name() {
        return "format";
    }
}
