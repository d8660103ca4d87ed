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
