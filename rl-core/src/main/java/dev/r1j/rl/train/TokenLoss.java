package dev.r1j.rl.train;

import ai.djl.ndarray.NDArray;
import dev.r1j.rl.model.CausalLm;

/**
 * What {@link SupervisedTrainer} minimises at each target position, before the loss mask and the
 * mean over targets: next-token cross-entropy for pre-training and SFT, a divergence from a
 * teacher's distribution for logit distillation.
 *
 * <p>Work that depends only on the inputs (a teacher's forward pass) goes in {@link #prepare}, which
 * the trainer runs before the trained model's forward pass and outside gradient recording, so that
 * no other model runs between a forward pass and its backward pass.
 */
@FunctionalInterface
public interface TokenLoss {

    /** Negative log-likelihood of the target token. */
    TokenLoss CROSS_ENTROPY = (logits, targets, prepared) -> CausalLm.tokenLogProbs(logits, targets).neg();

    /**
     * What the loss needs from the inputs alone, computed without gradients; null when nothing.
     *
     * @param inputs [B, T] the input ids (positions 0..T-1 of each row)
     */
    default NDArray prepare(NDArray inputs) {
        return null;
    }

    /**
     * Parameters of the model {@link #prepare} runs once per input token (a teacher), so the cost
     * ledger can book its forward FLOPs (2 per parameter per token); 0 when it runs none.
     */
    default long modelParameters() {
        return 0;
    }

    /**
     * @param logits   [B, T, V] the trained model's logits
     * @param targets  [B, T] the next tokens
     * @param prepared what {@link #prepare} returned for these inputs
     * @return [B, T] the loss at each position, differentiable in {@code logits}
     */
    NDArray perToken(NDArray logits, NDArray targets, NDArray prepared);
}
