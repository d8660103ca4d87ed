package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;

/** Engine switches r1j needs that DJL's engine-neutral API does not expose. */
public final class Engines {

    static {
        // The MKL shim, where asked for, must be in place before the engine's library loads.
        MklShim.applyFromEnvironment();
        // The JNI entry points below exist only once the engine has loaded its native library.
        ai.djl.engine.Engine.getEngine("PyTorch");
        // R1J_MATMUL_PRECISION, where set, from the first product on.
        MatmulPrecision.applyFromEnvironment();
    }

    private Engines() {}

    /**
     * Sets whether the calling thread records autograd graphs and returns the previous setting. Grad
     * mode is per thread and on by default, so a forward pass for generation on any thread must turn
     * it off, or it keeps a graph of every step alive.
     */
    public static boolean gradMode(boolean enabled) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return previous;
    }

    /** Whether the calling thread records autograd graphs (training) or not (generation, evaluation). */
    public static boolean isGradMode() {
        return JniUtils.isGradMode();
    }

    /**
     * {@code created} copied into memory the engine allocates; {@code created} is closed. On the CPU,
     * DJL's PyTorch engine builds an array made from Java values around the direct buffer it copied
     * them into ({@code torch::from_blob}), and only that Java array object keeps the buffer alive. Once
     * it is closed, the garbage collector may free the memory while something on the native side still
     * reads or writes it: a view, an input autograd saved for the backward pass, a storage swapped by
     * {@code NDArray.set}. The result is wrong numbers (or NaN gradients) that depend on when the
     * collector runs; r1j's trainers showed it under memory pressure. So every array r1j makes from
     * Java values goes through here, and nothing the engine computes with lives in Java memory.
     *
     * @return a copy owned by {@code created}'s manager
     */
    public static NDArray owned(NDArray created) {
        NDArray copy = created.duplicate();
        created.close();
        return copy;
    }

    /**
     * A 0-d array holding {@code value} in {@code like}'s data type, in {@code like}'s manager, in memory
     * the engine owns: the operand to use instead of a Java number wherever the result is differentiated.
     * DJL's {@code x.mul(2.0)} (and {@code div}, {@code maximum}, ... with a number) wraps the number in
     * a temporary array built on a Java buffer and closes it straight after the product, but autograd
     * keeps that operand for the backward pass; when the garbage collector frees the buffer in between,
     * the gradients are computed from whatever the memory then holds. An array from here lives until
     * its manager closes, after the backward pass.
     */
    public static NDArray scalarLike(NDArray like, double value) {
        NDArray s = owned(like.getManager().create((float) value));
        return like.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? s : s.toType(like.getDataType(), false);
    }

    /**
     * Zeroes the accumulated gradients of {@code parameters} in place. Unlike reading each gradient and
     * subtracting it, this creates no arrays, so a long training loop does not grow any manager.
     */
    public static void zeroGradients(List<NDArray> parameters) {
        for (NDArray p : parameters) {
            if (p.hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) p);
            }
        }
    }
}
