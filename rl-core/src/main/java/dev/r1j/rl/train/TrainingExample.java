package dev.r1j.rl.train;

/**
 * One sequence to learn from: its token ids, and how many of the first ones are prompt. The loss
 * counts the predictions of tokens at index {@code promptLength} and after (never index 0, which has
 * nothing before it); 0 means every token after the first is learned, as in pre-training.
 */
public record TrainingExample(int[] tokens, int promptLength) {

    public TrainingExample {
        if (tokens == null || tokens.length < 2) {
            throw new IllegalArgumentException("a training example needs at least two tokens");
        }
        if (promptLength < 0 || promptLength >= tokens.length) {
            throw new IllegalArgumentException("prompt length must be in [0, " + tokens.length + "), was " + promptLength);
        }
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    int length() {
        return tokens.length;
    }

    int token(int i) {
        return tokens[i];
    }
}
