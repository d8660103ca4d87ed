package dev.r1j.rewards.format;

/**
 * Where a completion begins relative to the think block, which a chat template may have opened or
 * closed already at the end of the prompt: DeepSeek-R1's template ends the prompt with
 * {@code <think>\n}, so the model writes its reasoning, {@code </think>} and its answer; Qwen3's
 * with {@code enable_thinking=false} ends it with an empty {@code <think>\n\n</think>\n\n}, so the
 * model answers at once. Format rewards and think-rates read the completion as the continuation of
 * what the prompt began.
 */
public enum ThinkStart {
    /** The prompt leaves the think block to the model: R1-Zero's format, where a completion opens it itself. */
    OUTSIDE(""),
    /** The prompt opened the think block: the completion begins inside it. */
    INSIDE("<think>"),
    /** The prompt holds a whole think block (an empty one, thinking switched off): the completion begins after it. */
    AFTER("<think></think>");

    private final String opened;

    ThinkStart(String opened) {
        this.opened = opened;
    }

    /** What the prompt wrote of the think block, as tags: put before a completion, it makes the whole of the model's turn. */
    public String opened() {
        return opened;
    }

    /**
     * Where a completion of {@code prompt} begins: inside when the prompt's last {@code <think>} is not
     * closed, after when the prompt ends (whitespace aside) with {@code </think>}, else outside.
     */
    public static ThinkStart of(String prompt) {
        int open = prompt.lastIndexOf("<think>");
        int close = prompt.lastIndexOf("</think>");
        if (open > close) {
            return INSIDE;
        }
        if (close >= 0 && prompt.substring(close + "</think>".length()).isBlank()) {
            return AFTER;
        }
        return OUTSIDE;
    }
}
