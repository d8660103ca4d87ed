package dev.r1j.rl.checkpoint;

import java.util.Optional;

/**
 * Element types of safetensors tensors. r1j reads all four as float32 and writes F32, F16 and BF16
 * (narrowing rounds to nearest even). {@link #torchName()} is the {@code torch_dtype} of
 * {@code config.json}.
 */
public enum DType {
    F32(4, "float32"), F16(2, "float16"), BF16(2, "bfloat16"), F64(8, "float64");

    private final int bytes;
    private final String torchName;

    DType(int bytes, String torchName) {
        this.bytes = bytes;
        this.torchName = torchName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The name {@code config.json} gives this type in {@code torch_dtype}, e.g. {@code bfloat16}. */
    public String torchName() {
        return torchName;
    }

    /** Whether r1j writes weights of this type. */
    public boolean writable() {
        return this != F64;
    }

    /** The type named by a safetensors header ("F32", "BF16", ...), if r1j reads it. */
    public static Optional<DType> fromHeader(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The type a {@code torch_dtype} value names ("bfloat16", "float32", ...), if r1j knows it. */
    public static Optional<DType> fromTorchName(String name) {
        for (DType d : values()) {
            if (d.torchName.equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
