package dev.r1j.rl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.r1j.rl.model.TokenScores;

/**
 * What {@link SupervisedTrainer} minimises at each target position, before the loss mask and the
 * mean over targets: next-token cross-entropy for pre-training and SFT, a divergence from a
 * teacher's distribution for logit distillation.
 *
 * <p>The trainer gives the loss only the positions whose target counts (mask not 0), and those a
 * chunk at a time ({@code logits_chunk}): logits arrive as [C, V], never as [B, T, V].
 *
 * <p>Work that depends only on the inputs (a teacher's forward pass) goes in {@link #prepare}, which
 * the trainer runs before the trained model's forward pass and outside gradient recording, so that
 * no other model's decoder runs between a forward pass and its backward pass.
 */
@FunctionalInterface
public interface TokenLoss {

    /** Negative log-likelihood of the target token. */
    TokenLoss CROSS_ENTROPY = (logits, targets, prepared) -> TokenScores.logProbs(logits, targets).neg();

    /**
     * What the loss needs from the inputs alone, computed without gradients; null when nothing.
     *
     * @param inputs [B, T] the input ids (positions 0..T-1 of each row)
     * @param rows   [N] int64 flat indices {@code b * T + t} of the positions the loss is asked about, in
     *               the order the trainer will ask
     * @return arrays whose axis 0 has N entries, one per element of {@code rows}; the trainer hands each
     *         chunk's entries to {@link #perToken}
     */
    default NDList prepare(NDArray inputs, NDArray rows) {
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
     * @param logits   [C, V] the trained model's logits at a chunk of the loss positions
     * @param targets  [C] the next tokens there
     * @param prepared the chunk's entries of what {@link #prepare} returned (axis 0 of each is C), owned
     *                 by the chunk's manager like {@code logits}; null when it returned null
     * @return [C] the loss at each position, differentiable in {@code logits}
     */
    NDArray perToken(NDArray logits, NDArray targets, NDList prepared);
}
