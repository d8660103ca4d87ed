package dev.r1j.distill.onnx;

/**
 * How {@link OrtRolloutGenerator} hands the policy's weights to ONNX Runtime each step. Both read the
 * same direct buffers, refilled in place from the policy; neither touches the disk.
 */
public enum WeightFeed {
    /**
     * Initializers declared external in the graph and supplied from the buffers at session creation
     * ({@code SessionOptions.addExternalInitializers}): a new session each step (ONNX Runtime reads
     * initializers once), which may pre-pack matrices for its kernels.
     */
    EXTERNAL_INITIALIZERS,
    /** The weights are graph inputs fed from the buffers with every run: one session for the whole run. */
    GRAPH_INPUTS
}
