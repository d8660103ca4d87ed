package dev.r1j.rl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.optim.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose weights alone are twice the Java heap is initialised, saved with its optimiser
 * moments, copied, and loaded back in a JVM given that heap: only possible if nothing holds a whole
 * model (or whole moments) on the heap.
 */
class HeapBoundTest {

    @TempDir
    Path tmp;

    /** 18 M parameters: 72 MB of float32 weights, 144 MB of moments. */
    static final TransformerConfig SHAPE = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(10000)
            .hiddenSize(384).intermediateSize(1152).numHiddenLayers(6).numAttentionHeads(4).numKeyValueHeads(1)
            .maxPositionEmbeddings(256).build();

    /** Run in the forked JVM: init, save weights and moments, copy, reload; prints the bytes written. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        try (CausalLm model = CausalLm.randomInit(SHAPE, 1);
             AdamW optimizer = new AdamW(model.parameters(), AdamW.Settings.defaults())) {
            Checkpoint.write(dir, model, null, null, null, WriteOptions.exact());
            optimizer.save(dir.resolve("optimizer.safetensors"));
            optimizer.load(dir.resolve("optimizer.safetensors"));
            try (CausalLm copy = model.copy()) {
                copy.loadWeights(model.hfWeights(), "live");
            }
            try (ModelWeightsFiles w = ModelWeightsFiles.open(dir)) {
                model.loadWeights(w, dir);
            }
        }
        System.out.println("ok " + SHAPE.parameterCount());
    }

    @Test
    void aModelTwiceTheHeapIsSavedCopiedAndLoaded() throws Exception {
        assertTrue(SHAPE.parameterCount() * 4 > 2 * (32L << 20), "the weights exceed twice the heap");
        Path dir = tmp.resolve("model");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx32m", "-XX:MaxDirectMemorySize=256m",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), HeapBoundTest.class.getName(),
                dir.toString())).redirectErrorStream(true);
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("ok " + SHAPE.parameterCount()), output);
        assertEquals(SHAPE.parameterCount() * 4, Files.size(dir.resolve("model.safetensors")) - headerBytes(dir.resolve("model.safetensors")));
    }

    static long headerBytes(Path file) throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            long data = 0;
            for (String n : f.names()) {
                data += f.info(n).end() - f.info(n).begin();
            }
            return Files.size(file) - data;
        }
    }
}
