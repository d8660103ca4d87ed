package dev.r1j.samples.bench;

import dev.r1j.distill.onnx.internal.DecoderGraph;
import dev.r1j.distill.onnx.internal.OrtDecoder;
import dev.r1j.rl.generate.internal.DecodingLoop;
import dev.r1j.rl.io.AtomicFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Generation on ONNX Runtime against the DJL figures of {@link EngineBench}: the same bench model
 * (random weights of the same seed, exported to ONNX), the same prompts, the same decoding loop and
 * sampling settings, so the two tokens/s figures differ only by engine.
 */
public final class OnnxBench implements AutoCloseable {

    private final boolean quick;
    private final Consumer<String> progress;
    private final Path dir;
    private final OrtDecoder decoder;

    public OnnxBench(boolean quick, Consumer<String> progress) {
        this.quick = quick;
        this.progress = progress;
        TransformerConfig c = EngineBench.benchModel();
        try {
            dir = Files.createTempDirectory("r1j-onnx-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path file = dir.resolve("model.onnx");
        try (CausalLm model = CausalLm.randomInit(c, 1)) { // the weights EngineBench.generation uses
            DecoderGraph.write(c, model.hfWeights(), file,
                    DecoderGraph.DEFAULT_EXTERNAL_THRESHOLD, "bench");
        }
        decoder = OrtDecoder.open(file, null, 0);
    }

    /** Sampling {@code newTokens} tokens per row after a 16-token prompt, EOS disabled, as EngineBench does. */
    public Map<String, Object> generation(int batch, int newTokens) {
        return EngineBench.generation(new DecodingLoop(decoder.backend(), -1, 0, ids -> ""), "onnxruntime", batch, newTokens,
                quick, progress);
    }

    @Override
    public void close() {
        decoder.close();
        AtomicFiles.deleteRecursivelyQuietly(dir);
    }
}
