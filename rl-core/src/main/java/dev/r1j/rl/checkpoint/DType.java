package dev.r1j.rl.checkpoint;

import java.util.Optional;

/** Element types of safetensors tensors that r1j reads as float32 (and writes: F32 only). */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
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
}
