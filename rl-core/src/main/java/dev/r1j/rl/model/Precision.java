package dev.r1j.rl.model;

import ai.djl.ndarray.types.DataType;
import java.util.Optional;

/**
 * How a run holds the weights it never updates: a LoRA base (the model an adapter is trained on),
 * GRPO's KL reference when it is a separate copy, a distillation teacher. Trainable weights, their
 * gradients and the AdamW moments are float32 whatever this says.
 */
public enum Precision {
    /**
     * Every weight float32 (the default). On CPU and on CUDA: 4 bytes a frozen parameter, products in
     * float32.
     */
    FP32,
    /**
     * Frozen matrices and embeddings (the projections, the token embedding, an untied output head) are
     * stored as IEEE float16: 2 bytes a parameter, half the memory of {@link #FP32}. On DJL's CPU engine
     * this is storage only: each weight is cast to float32 right before its product and the copy is
     * freed with the step's other temporaries, because float16 matrix products run at about
     * 2 GFLOP/s on CPUs without avx512_fp16 (against about 170 in float32), so every forward pass pays
     * one cast of the weights it uses. On CUDA the same code runs (storage in float16, products in
     * float32). Norm gains and biases stay float32 (they are a few thousand numbers a layer). The
     * stored values are the float16 roundings of the float32 ones (relative error at most 2^-11).
     */
    F16,
    /**
     * bfloat16 storage. Refused before any work starts on every device: DJL's PyTorch JNI (0.35.1 and
     * 0.36.0) maps no bfloat16 type, and casting an array to it kills the JVM. Use {@link #F16}.
     */
    BF16;

    /** The engine type frozen matrices are stored in. */
    public DataType storage() {
        return switch (this) {
            case FP32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
        };
    }

    /** Bytes a frozen matrix parameter takes in the engine. */
    public int bytesPerFrozenParameter() {
        return this == FP32 ? 4 : 2;
    }

    /**
     * Why the engine cannot hold weights in this precision, or empty when it can. Asked before a run
     * does any work, so that a value the engine cannot do is refused (exit 2) instead of crashing the JVM.
     */
    public Optional<String> unsupportedReason() {
        if (this == BF16) {
            return Optional.of("BF16 is not available: DJL's PyTorch engine has no bfloat16 type in its native "
                    + "bridge (casting an array to it kills the JVM), on CPU and on CUDA; use F16 (frozen weights "
                    + "stored in float16, half of FP32's memory) or FP32");
        }
        return Optional.empty();
    }

    /** The values as a config file spells them, for messages. */
    public static String names() {
        return java.util.Arrays.toString(values());
    }
}
