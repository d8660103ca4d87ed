package dev.r1j.rl.checkpoint;

import java.util.Arrays;

/**
 * Where a tensor sits in a safetensors file.
 *
 * @param name  the tensor's name in the header
 * @param dtype the stored element type
 * @param shape the dimensions, outermost first (empty for a scalar)
 * @param begin first byte of the data, relative to the end of the header
 * @param end   one past the last byte of the data, relative to the end of the header
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
