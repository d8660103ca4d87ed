package dev.r1j.rl.train;

import ai.djl.ndarray.NDArray;
import dev.r1j.rl.model.CausalLm;

/**
 * What {@link SupervisedTrainer} minimises at each target position, before the loss mask and the
 * mean over targets: next-token cross-entropy for pre-training and SFT, a divergence from a
 * teacher's distribution for logit distillation.
 */
@FunctionalInterface
public interface TokenLoss {

    /** Negative log-likelihood of the target token. */
    TokenLoss CROSS_ENTROPY = (logits, inputs, targets) -> CausalLm.tokenLogProbs(logits, targets).neg();

    /**
     * @param logits  [B, T, V] the trained model's logits
     * @param inputs  [B, T] the input ids (positions 0..T-1 of each row)
     * @param targets [B, T] the next tokens
     * @return [B, T] the loss at each position, differentiable in {@code logits}
     */
    NDArray perToken(NDArray logits, NDArray inputs, NDArray targets);
}
