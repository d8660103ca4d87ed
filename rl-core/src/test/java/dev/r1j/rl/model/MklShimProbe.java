package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Run in a JVM of its own by {@link MklShimTest}: a matrix product and a small model's logits, with
 * whatever MKL shim the process was started with, written as floats to the file named by args[0].
 * Prints what {@link MklShim#applyFromEnvironment()} did.
 */
public final class MklShimProbe {

    public static void main(String[] args) throws IOException {
        System.out.println("shim: " + MklShim.applyFromEnvironment());
        SplittableRandom rng = new SplittableRandom(11);
        int m = 96, k = 384, n = 256;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rng.nextGaussian();
        }
        float[] product;
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray x = nd.create(a, new Shape(m, k));
            product = x.matMul(nd.create(b, new Shape(k, n))).toFloatArray(); // [M, N]
        }
        TransformerConfig c = TransformerConfig.builder().vocabSize(64).hiddenSize(128).intermediateSize(256)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).maxPositionEmbeddings(64).build();
        float[][] logits;
        try (CausalLm model = CausalLm.randomInit(c, 3)) {
            logits = model.logits(rng.ints(24, 0, c.vocabSize()).toArray()); // [T, V]
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
            for (float v : product) {
                out.writeFloat(v);
            }
            for (float[] row : logits) {
                for (float v : row) {
                    out.writeFloat(v);
                }
            }
        }
    }
}
