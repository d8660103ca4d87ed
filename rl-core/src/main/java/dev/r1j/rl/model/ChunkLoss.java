package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;

/**
 * The part of a position-wise loss that falls on one chunk of positions, given that chunk's logits;
 * {@link CausalLm#chunkedLoss} sums it over chunks so that the output head never holds more than one
 * chunk's [chunk, V] logits.
 */
@FunctionalInterface
public interface ChunkLoss {

    /**
     * @param start  the chunk's first row (inclusive) among the hidden rows given to {@code chunkedLoss}
     * @param end    its last row (exclusive)
     * @param logits [end - start, V] the head's logits of those rows
     * @return a scalar, differentiable in {@code logits}
     */
    NDArray apply(int start, int end, NDArray logits);
}
