package dev.r1j.distill.nightly;

import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.distill.onnx.OnnxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns a trained student (a model directory) into the artifact a server loads. The export stage of
 * {@link NightlyJob} calls it with an empty output directory, which is renamed into place only after
 * the call returns; {@link #format()} is recorded in the manifests as the artifact's kind.
 */
public interface ModelExporter {

    /** The artifact's kind as the manifests record it, e.g. {@code "onnx"} or {@code "safetensors"}. */
    String format();

    /**
     * Writes the serving artifact of {@code modelDir} into {@code outDir} (existing and empty).
     *
     * @throws IOException when it cannot; the night stops and the stage is retried on the next run
     */
    void export(Path modelDir, Path outDir) throws IOException;

    /** An exporter of kind {@code format} that runs {@code export}. */
    static ModelExporter of(String format, Export export) {
        return new ModelExporter() {
            @Override
            public String format() {
                return format;
            }

            @Override
            public void export(Path modelDir, Path outDir) throws IOException {
                export.export(modelDir, outDir);
            }
        };
    }

    /** The work of an exporter, for {@link #of(String, Export)}. */
    @FunctionalInterface
    interface Export {
        void export(Path modelDir, Path outDir) throws IOException;
    }

    /**
     * The student exported to ONNX, kind {@code "onnx"}: {@code model.onnx} with the Hugging Face
     * Optimum input and output names, and its config, tokenizer, prompt template and provenance
     * beside it, as {@link OnnxExporter} writes them; ONNX Runtime serves it through
     * {@code OnnxModel} and {@code OrtGenerator}.
     */
    static ModelExporter onnx() {
        return of("onnx", (modelDir, outDir) ->
                OnnxExporter.export(modelDir, modelDir.toString(), outDir.resolve(OnnxModel.DEFAULT_FILE), false));
    }

    /**
     * The checkpoint itself as the serving artifact, kind {@code "safetensors"}: config, weights,
     * tokenizer and prompt template copied as they are (Hugging Face layout, loadable by r1j and by
     * transformers).
     */
    static ModelExporter checkpointCopy() {
        return of("safetensors", (modelDir, outDir) -> {
            List<Path> files;
            try (Stream<Path> s = Files.list(modelDir)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                Files.copy(f, outDir.resolve(f.getFileName().toString()));
            }
        });
    }
}
