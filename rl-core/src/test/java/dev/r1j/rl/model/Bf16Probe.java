package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Run in a JVM of its own by {@link Bf16ProbeTest}: casts a float32 array to bfloat16 and back on
 * DJL's PyTorch engine and prints the round trip. On DJL 0.35/0.36 the process dies in the cast.
 */
public final class Bf16Probe {

    private Bf16Probe() {}

    public static void main(String[] args) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = Engines.owned(m.create(new float[] {1.5f, -2.25f, 3.0f}));
            System.out.println("casting to bfloat16");
            System.out.flush();
            NDArray bf = args.length > 0 && args[0].equals("buffer")
                    // the other way in: bfloat16 bytes (the top halves of the float32 values) handed to the engine
                    ? m.create(java.nio.ByteBuffer.allocateDirect(6).order(java.nio.ByteOrder.nativeOrder())
                            .putShort((short) 0x3FC0).putShort((short) 0xC010).putShort((short) 0x4040).rewind(),
                            new ai.djl.ndarray.types.Shape(3), DataType.BFLOAT16)
                    : a.toType(DataType.BFLOAT16, true);
            float[] back = bf.toType(DataType.FLOAT32, true).toFloatArray();
            System.out.println("bf16 round trip: " + back[0] + " " + back[1] + " " + back[2]);
        }
    }
}
