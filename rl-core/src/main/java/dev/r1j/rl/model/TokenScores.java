package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * What the trainers read from the output head at each position: the log-probability of the chosen
 * (target) token and the entropy of the next-token distribution, both from one log-softmax.
 *
 * @param logProbs [N] log p(target)
 * @param entropy  [N] -sum_v p(v) log p(v), in nats
 */
public record TokenScores(NDArray logProbs, NDArray entropy) {

    /**
     * Scores of {@code targets} under {@code logits}, differentiable in the logits.
     *
     * @param logits  [N, V]
     * @param targets [N] token ids (int32 or int64)
     */
    public static TokenScores of(NDArray logits, NDArray targets) {
        NDArray logp = logits.logSoftmax(-1);                                             // [N, V]
        NDArray idx = targets.toType(DataType.INT64, false).expandDims(-1);              // [N, 1]
        NDArray chosen = logp.gather(idx, -1).squeeze(-1);                                // [N]
        NDArray entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg();                 // [N]
        return new TokenScores(chosen, entropy);
    }

    /**
     * Log-probabilities of {@code targets} under {@code logits}, without the entropy's extra [N, V] work.
     *
     * @param logits  [N, V]
     * @param targets [N] token ids (int32 or int64)
     * @return [N], differentiable in the logits
     */
    public static NDArray logProbs(NDArray logits, NDArray targets) {
        NDArray idx = targets.toType(DataType.INT64, false).expandDims(-1);              // [N, 1]
        return logits.logSoftmax(-1).gather(idx, -1).squeeze(-1);                         // [N]
    }
}
