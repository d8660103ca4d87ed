package dev.r1j.rl.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between float32 and the stored element types, one buffer chunk at a time. Narrowing
 * rounds to nearest, ties to even, as PyTorch's {@code tensor.to(torch.bfloat16 / torch.float16)}
 * does; NaN stays NaN, values beyond the type's range become infinities. Widening is exact.
 */
final class FloatCodec {

    private FloatCodec() {}

    /** float32 to bfloat16 bits, round to nearest even. */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040); // quiet NaN, sign and top payload kept
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** float32 to IEEE 754 binary16 bits, round to nearest even (subnormals included). */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));   // NaN, quiet
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00);                              // >= 65520 rounds to infinity
        }
        if (abs >= 0x38800000) {                                         // >= 2^-14: a normal half
            int rebiased = abs - 0x38000000;                             // exponent bias 127 -> 15
            rebiased += 0xfff + ((rebiased >>> 13) & 1);                 // round the 13 dropped bits, ties to even
            return (short) (sign | (rebiased >>> 13));
        }
        if (abs < 0x33000000) {
            return (short) sign;                                         // below half the smallest subnormal
        }
        // Subnormal half: the value in units of 2^-24, rounded to nearest even.
        int exponent = abs >>> 23;
        int mantissa = (abs & 0x7fffff) | 0x800000;
        int shift = 126 - exponent;                                      // 14..24
        int units = mantissa >>> shift;
        int rest = mantissa & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (units & 1) == 1)) {
            units++;
        }
        return (short) (sign | units);
    }

    /** IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal: value = mant * 2^-24, exactly representable in float32.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /**
     * Decodes {@code count} elements of {@code dtype} from {@code src} (little-endian, from its
     * position) into {@code dst} as float32 little-endian, from its position; both positions advance.
     */
    static void toF32(DType dtype, ByteBuffer src, ByteBuffer dst, int count) {
        src.order(ByteOrder.LITTLE_ENDIAN);
        dst.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> {
                ByteBuffer slice = src.slice();
                slice.limit(count * 4);
                dst.put(slice);
                src.position(src.position() + count * 4);
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst.putFloat((float) src.getDouble());
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putFloat(bf16ToFloat(src.getShort()));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.putFloat(halfToFloat(src.getShort()));
                }
            }
        }
    }

    /**
     * Encodes the float32 little-endian values of {@code src} (position to limit) as {@code dtype} into
     * {@code dst} from its position; F64 is not a type r1j writes.
     */
    static void fromF32(ByteBuffer src, DType dtype, ByteBuffer dst) {
        src.order(ByteOrder.LITTLE_ENDIAN);
        dst.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> dst.put(src);
            case BF16 -> {
                while (src.remaining() >= 4) {
                    dst.putShort(floatToBf16(src.getFloat()));
                }
            }
            case F16 -> {
                while (src.remaining() >= 4) {
                    dst.putShort(floatToHalf(src.getFloat()));
                }
            }
            case F64 -> throw new IllegalArgumentException("r1j writes F32, F16 and BF16, not F64");
        }
    }
}
