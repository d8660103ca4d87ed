package dev.r1j.rl.model;

import ai.djl.pytorch.jni.JniUtils;

/** Engine switches r1j needs that DJL's engine-neutral API does not expose. */
public final class Engines {

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
}
