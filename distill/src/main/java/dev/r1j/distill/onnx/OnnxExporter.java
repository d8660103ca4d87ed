package dev.r1j.distill.onnx;

import dev.r1j.distill.onnx.internal.DecoderGraph;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.generate.GenerationConfig;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports an r1j model (any family it implements, qwen2, llama, qwen3 or mistral: RMSNorm, rotary
 * positions with their scaling, grouped- or multi-query attention, optional q/k/v, output and MLP biases,
 * qwen3's per-head q/k norm, mistral's sliding window, SwiGLU, tied or untied head) to one ONNX file that
 * ONNX Runtime, and anything else that reads ONNX, can run without r1j. The graph uses standard
 * operators of opset {@value #OPSET} and Hugging Face Optimum's decoder input/output names
 * ({@code input_ids}, {@code attention_mask}, {@code position_ids}, {@code past_key_values.{i}.key/.value}
 * in; {@code logits}, {@code present.{i}.key/.value} out), so tools written for Optimum exports run
 * ours and {@link OrtGenerator} runs theirs.
 *
 * <p>Layout, as Optimum's: the directory of {@code FILE.onnx} holds the model's {@code config.json},
 * {@code tokenizer.json} (and {@code tokenizer_config.json}), r1j's {@code prompt_template.json} and a
 * {@code provenance.json} naming the source model, its SHA-256, the r1j version, the export time and
 * the ONNX file's own SHA-256. One model per directory. Weights over about 1.8 GB go to ONNX external
 * data in {@code FILE.onnx.data} beside it (protobuf messages stop at 2 GB); keep the two together.
 *
 * <p>Every file is written atomically (temporary file, then rename).
 */
public final class OnnxExporter {

    /** The ONNX operator set version the exported graphs use. */
    public static final int OPSET = DecoderGraph.OPSET;

    private OnnxExporter() {}

    /**
     * What an export wrote.
     *
     * @param onnxFile     the model
     * @param externalData the weights file when they are stored outside the model, else null
     * @param files        every file written, the model first
     * @param sha256       SHA-256 of the model (and external data), as provenance records it
     */
    public record Result(Path onnxFile, Path externalData, List<Path> files, String sha256) {
        public Result {
            files = List.copyOf(files);
        }
    }

    /**
     * Exports the model directory {@code modelDir} (Hugging Face layout, as {@code Checkpoint} reads it)
     * to {@code onnxFile}, streaming its weights from the safetensors files. The tokenizer and prompt
     * template are copied when the directory has them (a model without a tokenizer still exports, for
     * logit comparisons).
     *
     * @param source    how the model was named (a path or {@code builtin:NAME}), for provenance
     * @param overwrite replace an existing {@code onnxFile}; without it an existing file is refused
     * @throws BadInputException on a bad model directory, or an existing target without {@code overwrite}
     */
    public static Result export(Path modelDir, String source, Path onnxFile, boolean overwrite) {
        if (!Files.isDirectory(modelDir)) {
            throw BadInputException.at(modelDir, 0, null, "not a model directory");
        }
        Path outDir = checkTarget(onnxFile, overwrite);
        if (sameDirectory(outDir, modelDir)) {
            throw BadInputException.at(onnxFile, 0, null, "is inside the source model directory; export into a "
                    + "directory of its own (its config.json and provenance.json would replace the source's)");
        }
        TransformerConfig config = TransformerConfig.read(modelDir.resolve("config.json"));
        DecoderGraph.Written written;
        try (ModelWeightsFiles weights = ModelWeightsFiles.open(modelDir)) {
            written = DecoderGraph.write(config, weights, onnxFile, DecoderGraph.DEFAULT_EXTERNAL_THRESHOLD,
                    Provenance.currentLibraryVersion());
        }
        List<Path> files = new ArrayList<>(written(written));
        copy(modelDir.resolve("config.json"), outDir, files);
        copy(modelDir.resolve("tokenizer.json"), outDir, files);
        copy(modelDir.resolve("tokenizer_config.json"), outDir, files);
        copy(modelDir.resolve(GenerationConfig.FILE), outDir, files);
        copy(modelDir.resolve(PromptTemplate.FILE), outDir, files);
        String sha = OnnxModel.sha256(onnxFile);
        provenance(source, Checkpoint.sha256(modelDir), onnxFile, sha).writeTo(outDir);
        files.add(outDir.resolve(Provenance.FILE));
        return new Result(onnxFile, written.externalData(), files, sha);
    }

    /**
     * Exports a model held in memory (for example one just trained) with, when not null, its tokenizer
     * and its prompt template (a model without a tokenizer still exports, for logit comparisons and
     * benchmarks).
     */
    public static Result export(CausalLm model, Tokenizer tokenizer, PromptTemplate template, Path onnxFile,
                                boolean overwrite) {
        Path outDir = checkTarget(onnxFile, overwrite);
        // Read from the engine one tensor at a time as the graph is built, never the whole model at once.
        HostWeights weights = model.hfWeights();
        DecoderGraph.Written written = DecoderGraph.write(model.config(), weights, onnxFile,
                DecoderGraph.DEFAULT_EXTERNAL_THRESHOLD, Provenance.currentLibraryVersion());
        List<Path> files = new ArrayList<>(written(written));
        AtomicFiles.writeString(outDir.resolve("config.json"), model.config().toJson());
        files.add(outDir.resolve("config.json"));
        if (tokenizer != null) {
            tokenizer.writeTo(outDir);
            files.add(outDir.resolve("tokenizer.json"));
        }
        if (template != null) {
            template.writeTo(outDir);
            files.add(outDir.resolve(PromptTemplate.FILE));
        }
        model.origin().ifPresent(o -> copy(o.resolve(GenerationConfig.FILE), outDir, files));
        String sha = OnnxModel.sha256(onnxFile);
        provenance("in-memory model", "", onnxFile, sha).writeTo(outDir);
        files.add(outDir.resolve(Provenance.FILE));
        return new Result(onnxFile, written.externalData(), files, sha);
    }

    private static List<Path> written(DecoderGraph.Written w) {
        return w.externalData() == null ? List.of(w.model()) : List.of(w.model(), w.externalData());
    }

    private static Provenance provenance(String source, String sourceSha, Path onnxFile, String onnxSha) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("format", "onnx");
        extra.put("source_model", source);
        extra.put("onnx_file", onnxFile.getFileName().toString());
        extra.put("onnx_sha256", onnxSha);
        extra.put("onnx_opset", Integer.toString(OPSET));
        return Provenance.of(0, "export-onnx", sourceSha, null, extra);
    }

    /** Refuses an existing target without {@code overwrite}; returns the target's directory, created. */
    private static Path checkTarget(Path onnxFile, boolean overwrite) {
        if (!onnxFile.getFileName().toString().endsWith(".onnx")) {
            throw BadInputException.at(onnxFile, 0, null, "the output file name must end in .onnx");
        }
        if (Files.isDirectory(onnxFile)) {
            throw BadInputException.at(onnxFile, 0, null, "is a directory; give the .onnx file to write");
        }
        if (Files.exists(onnxFile) && !overwrite) {
            throw BadInputException.at(onnxFile, 0, null, "already exists; refusing to overwrite it (--force replaces it)");
        }
        Path dir = onnxFile.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return dir;
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    private static void copy(Path from, Path dir, List<Path> files) {
        if (!Files.exists(from)) {
            return;
        }
        Path to = dir.resolve(from.getFileName());
        AtomicFiles.write(to, out -> Files.copy(from, out));
        files.add(to);
    }
}
