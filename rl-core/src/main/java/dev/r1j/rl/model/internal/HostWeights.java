package dev.r1j.rl.model.internal;

import java.util.Set;

/**
 * Float32 weights on the Java heap by Hugging Face tensor name: the hand-off between checkpoint files
 * (read memory-mapped, converted from F16/BF16) and the engine. Shapes use the Hugging Face layout,
 * e.g. a linear layer's weight is [out_features, in_features].
 */
public interface HostWeights {

    Set<String> names();

    /** The shape of tensor {@code name} as stored. */
    long[] shape(String name);

    /** The values of tensor {@code name}, row-major, converted to float32. */
    float[] read(String name);
}
