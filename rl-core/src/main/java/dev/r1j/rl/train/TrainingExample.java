package dev.r1j.rl.train;

/**
 * One sequence to learn from: its token ids, and how many of the first ones are prompt. The loss
 * counts the predictions of tokens at index {@code promptLength} and after (never index 0, which has
 * nothing before it); 0 means every token after the first is learned, as in pre-training. A
 * conversation learns only some spans (its assistant turns): {@link #masked} gives each token's say.
 *
 * @param learned null for the prompt/completion split; else whether the prediction of each token counts
 *                ({@code promptLength} is then the first learned index)
 */
public record TrainingExample(int[] tokens, int promptLength, boolean[] learned) {

    public TrainingExample {
        if (tokens == null || tokens.length < 2) {
            throw new IllegalArgumentException("a training example needs at least two tokens");
        }
        if (promptLength < 0 || promptLength >= tokens.length) {
            throw new IllegalArgumentException("prompt length must be in [0, " + tokens.length + "), was " + promptLength);
        }
        if (learned != null && learned.length != tokens.length) {
            throw new IllegalArgumentException("the mask has " + learned.length + " entries for " + tokens.length + " tokens");
        }
        tokens = tokens.clone();
        learned = learned == null ? null : learned.clone();
    }

    /** Prompt then completion: the first {@code promptLength} tokens are not learned. */
    public TrainingExample(int[] tokens, int promptLength) {
        this(tokens, promptLength, null);
    }

    /** Only the tokens whose {@code learned} entry is true are learned (entry 0 never is: nothing precedes it). */
    public static TrainingExample masked(int[] tokens, boolean[] learned) {
        int first = -1;
        for (int i = 1; i < learned.length && first < 0; i++) {
            first = learned[i] ? i : -1;
        }
        if (first < 0) {
            throw new IllegalArgumentException("a masked example needs at least one learned token after the first");
        }
        boolean[] m = learned.clone();
        m[0] = false;
        return new TrainingExample(tokens, first, m);
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean[] learned() {
        return learned == null ? null : learned.clone();
    }

    int length() {
        return tokens.length;
    }

    int token(int i) {
        return tokens[i];
    }

    /** Whether predicting token {@code i} from those before it counts in the loss. */
    boolean learns(int i) {
        return learned == null ? i >= Math.max(1, promptLength) : i >= 1 && learned[i];
    }
}
