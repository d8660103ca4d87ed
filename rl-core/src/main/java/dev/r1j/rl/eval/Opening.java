package dev.r1j.rl.eval;

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
    DIRECT("<answer>");

    private final String text;

    Opening(String text) {
        this.text = text;
    }

    /** The text appended to the rendered prompt, and put back in front of the completion before scoring. */
    public String text() {
        return text;
    }
}
