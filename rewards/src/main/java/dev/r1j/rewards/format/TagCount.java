package dev.r1j.rewards.format;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;

/**
 * Partial credit on the way to the full format: 0.25 for each of {@code <think>}, {@code </think>},
 * {@code <answer>}, {@code </answer>} that appears exactly once (a repeated tag earns nothing). A
 * shaping signal for the first steps of RL, when no completion is well formed yet. Tags the prompt
 * wrote ({@link ThinkStart}) count as the completion's.
 */
public final class TagCount implements Reward {

    private final ThinkStart start;

    /** For completions that open the think block themselves. */
    public TagCount() {
        this(ThinkStart.OUTSIDE);
    }

    /** For completions that begin at {@code start}. */
    public TagCount(ThinkStart start) {
        this.start = java.util.Objects.requireNonNull(start, "start");
    }

    private static final String[] TAGS = {"<think>", "</think>", "<answer>", "</answer>"};

    @Override
    public RewardResult score(Problem problem, String completion) {
        String text = start.opened() + (completion == null ? "" : completion);
        double score = 0;
        StringBuilder why = new StringBuilder();
        for (String tag : TAGS) {
            int n = ThinkAnswerFormat.count(text, tag);
            if (n == 1) {
                score += 0.25;
            } else {
                why.append(why.length() == 0 ? "" : ", ").append(tag).append(" x").append(n);
            }
        }
        return new RewardResult(score, score == 1.0, "", why.length() == 0 ? "every tag once" : why.toString());
    }

    @Override
    public String name() {
        return "tag_count";
    }
}
