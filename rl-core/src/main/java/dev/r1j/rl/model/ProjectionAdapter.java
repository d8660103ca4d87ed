package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Trainable additions to the decoder's linear projections, such as low-rank adapters: the model adds
 * {@link #delta} to the output of each fused projection, so the base product stays one product and the
 * base weights can stay frozen. Implementations live outside the model ({@code dev.r1j.rl.lora}).
 */
public interface ProjectionAdapter extends AutoCloseable {

    /** The decoder's fused projections, as {@code internal.DecoderWeights} stores them. */
    enum Projection {
        /** q_proj, k_proj, v_proj side by side: output [N, (Hq + 2 Hkv) D]. */
        QKV,
        /** o_proj: output [N, H]. */
        OUTPUT,
        /** gate_proj, up_proj side by side: output [N, 2 I]. */
        GATE_UP,
        /** down_proj: output [N, H]. */
        DOWN
    }

    /**
     * What to add to the output of {@code projection} in {@code layer} for {@code input} [N, in]: an
     * [N, out] array in the fused output's column order, or null when nothing targets that projection.
     * Temporaries belong to {@code input}'s manager.
     */
    NDArray delta(int layer, Projection projection, NDArray input);

    /**
     * The same delta as a weight update, [in, out] in the engine's transposed layout, owned by
     * {@code manager}; null when nothing targets the projection. Adding it to the fused weight merges
     * the adapter into the base.
     */
    NDArray weightDelta(int layer, Projection projection, NDManager manager);

    /** The adapter's trainable arrays in a fixed order (the order optimiser moments are saved in). */
    List<NDArray> parameters();

    /** Whether the adapter adds exactly nothing (a fresh LoRA adapter, whose B matrices are zero). */
    boolean isZero();

    /** An independent frozen copy of the current values, owned by {@code manager}. */
    ProjectionAdapter frozenCopy(NDManager manager);

    /** Frees the adapter's arrays. */
    @Override
    void close();
}
