package dev.r1j.rl.generate;

/**
 * One decoding step's choice for every row of a batch: the chosen ids and their log-probabilities
 * under softmax(logits / temperature), untruncated (temperature 1 for greedy picks).
 *
 * @param tokens   [B] chosen ids
 * @param logProbs [B] their log-probabilities
 */
public record SampledTokens(int[] tokens, float[] logProbs) {
    public SampledTokens {
        if (tokens.length != logProbs.length) {
            throw new IllegalArgumentException("one log-probability per token: " + tokens.length + " tokens, "
                    + logProbs.length + " log-probabilities");
        }
    }
}
