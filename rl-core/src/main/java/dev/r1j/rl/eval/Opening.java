package dev.r1j.rl.eval;

import dev.r1j.rewards.tasks.SelfCheckingSolution;

/**
 * How an evaluated completion is made to begin. Forcing the opening tag measures what a model can do
 * with and without reasoning, independently of how often it chooses to reason.
 */
public enum Opening {
    /** The model chooses; think-rate measures how often it reasons. */
    FREE(""),
    /** The prompt ends in {@code <think>}: every completion works the problem out first. */
    THINK("<think>"),
    /** The prompt ends in {@code <answer>}: every completion answers at once. */
    DIRECT("<answer>"),
    /**
     * The prompt ends in {@code <think>solve and check} and a newline, the mode line of a checking
     * solution: it forces the checking mode of a model pre-trained with {@code check_share > 0}, so
     * that its accuracy with checks can be set against {@link #THINK_SOLVE}'s; whether the model then
     * writes checks is what the check-rate measures. To any other model the line is just text.
     */
    THINK_CHECK("<think>" + SelfCheckingSolution.CHECK_MODE + "\n"),
    /**
     * The prompt ends in {@code <think>solve} and a newline, the mode line of a plain worked solution in
     * a corpus where some check: it forces the plain mode of a model pre-trained with
     * {@code check_share > 0}, reasoning without checks.
     */
    THINK_SOLVE("<think>" + SelfCheckingSolution.PLAIN_MODE + "\n");

    private final String text;

    Opening(String text) {
        this.text = text;
    }

    /** The text appended to the rendered prompt, and put back in front of the completion before scoring. */
    public String text() {
        return text;
    }
}
