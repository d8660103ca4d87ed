package dev.r1j.rl.generate;

/**
 * One generated continuation of one prompt.
 *
 * @param promptIndex  index of the prompt in the request
 * @param text         the decoded continuation, special tokens skipped, cut before a stop string
 * @param tokenIds     the generated token ids, including the end-of-sequence token when one ended it
 *                     (its probability is part of what RL optimises)
 * @param logProbs     per generated token, its log-probability under softmax(logits / temperature)
 *                     before top-k/top-p truncation (temperature 0 counts as 1); same length as tokenIds
 * @param finishReason why generation stopped
 */
public record Completion(int promptIndex, String text, int[] tokenIds, float[] logProbs, FinishReason finishReason) {

    public Completion {
        if (tokenIds.length != logProbs.length) {
            throw new IllegalArgumentException("one log-prob per token: " + tokenIds.length + " ids, "
                    + logProbs.length + " log-probs");
        }
        tokenIds = tokenIds.clone();
        logProbs = logProbs.clone();
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }

    @Override
    public float[] logProbs() {
        return logProbs.clone();
    }

    /** Number of generated tokens. */
    public int length() {
        return tokenIds.length;
    }

    /** Sum of the per-token log-probabilities. */
    public double totalLogProb() {
        double s = 0;
        for (float lp : logProbs) {
            s += lp;
        }
        return s;
    }
}
