package dev.r1j.distill.onnx;

import dev.r1j.common.Sha256;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.onnx.internal.OrtDecoder;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A decoder language model in ONNX form, loaded into ONNX Runtime with what sits beside it: the
 * session, {@code tokenizer.json}, {@code config.json}, r1j's {@code prompt_template.json} and
 * {@code provenance.json}. Works with files {@link OnnxExporter} writes and with Hugging Face Optimum's
 * decoder exports "with past" (the same input and output names), so a teacher exported elsewhere can
 * generate traces here. The layout is Optimum's: one directory per model.
 *
 * <p>Close it to free the session's native memory. Thread-safe: ONNX Runtime sessions accept
 * concurrent runs.
 */
public final class OnnxModel implements AutoCloseable {

    /** The file name Optimum gives a decoder, looked for when a directory is given. */
    public static final String DEFAULT_FILE = "model.onnx";

    private final Path file;
    private final OrtDecoder decoder;
    private final Tokenizer tokenizer;
    private final Optional<PromptTemplate> template;
    private final Optional<Provenance> provenance;
    private final JsonNode config;
    private final int maxPositions;

    private OnnxModel(Path file, OrtDecoder decoder, Tokenizer tokenizer, Optional<PromptTemplate> template,
                      Optional<Provenance> provenance, JsonNode config, int maxPositions) {
        this.file = file;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.template = template;
        this.provenance = provenance;
        this.config = config;
        this.maxPositions = maxPositions;
    }

    /**
     * Loads {@code path}: an {@code .onnx} file, or a directory holding {@value #DEFAULT_FILE}. ONNX
     * Runtime picks its own thread count (the machine's cores).
     *
     * @throws BadInputException when the file is missing, not loadable, or has inputs r1j cannot feed
     *                           (each message names the file and the input)
     */
    public static OnnxModel load(Path path) {
        return load(path, 0);
    }

    /** As {@link #load(Path)}, with {@code threads} intra-op threads (0: ONNX Runtime's default). */
    public static OnnxModel load(Path path, int threads) {
        Path file = Files.isDirectory(path) ? path.resolve(DEFAULT_FILE) : path;
        if (!Files.isRegularFile(file)) {
            throw BadInputException.at(file, 0, null, Files.isDirectory(path)
                    ? "no " + DEFAULT_FILE + " in the directory" : "no such ONNX file");
        }
        Path dir = file.toAbsolutePath().getParent();
        JsonNode config = null;
        Path configFile = dir.resolve("config.json");
        if (Files.exists(configFile)) {
            try {
                config = new ObjectMapper().readTree(configFile.toFile());
            } catch (IOException e) {
                throw BadInputException.at(configFile, 0, null, "not valid JSON: " + e.getMessage());
            }
        }
        Path tokenizerFile = dir.resolve("tokenizer.json");
        Tokenizer tokenizer = Files.exists(tokenizerFile) ? HfTokenizer.load(tokenizerFile) : null;
        Optional<PromptTemplate> template = PromptTemplate.readFrom(dir);
        Optional<Provenance> provenance = Files.exists(dir.resolve(Provenance.FILE))
                ? Optional.of(Provenance.readFrom(dir)) : Optional.empty();
        int maxPositions = config != null && config.path("max_position_embeddings").asInt() > 0
                ? config.path("max_position_embeddings").asInt() : Integer.MAX_VALUE;
        OrtDecoder decoder = OrtDecoder.open(file, config, threads);
        if (tokenizer != null && tokenizer.vocabSize() > decoder.vocabSize()) {
            decoder.close();
            throw BadInputException.at(tokenizerFile, 0, null, "has " + tokenizer.vocabSize()
                    + " tokens, more than the model's " + decoder.vocabSize() + " logits");
        }
        return new OnnxModel(file, decoder, tokenizer, template, provenance, config, maxPositions);
    }

    /** The {@code .onnx} file. */
    public Path file() {
        return file;
    }

    /**
     * The ONNX Runtime session, for callers that feed the graph themselves (for example to read
     * {@code present.*} tensors). It belongs to this model: closing the model closes it.
     */
    public OrtSession session() {
        return decoder.session();
    }

    /** The directory holding the model and its companion files. */
    public Path directory() {
        return file.toAbsolutePath().getParent();
    }

    /**
     * The tokenizer beside the model.
     *
     * @throws BadInputException when there is none, naming the path where it was expected
     */
    public Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw BadInputException.at(directory().resolve("tokenizer.json"), 0, null,
                    "missing: a tokenizer.json must sit beside " + file.getFileName() + " to encode prompts");
        }
        return tokenizer;
    }

    /** The prompt template kept with the model ({@code prompt_template.json}), if any. */
    public Optional<PromptTemplate> template() {
        return template;
    }

    /** Where the model came from ({@code provenance.json}), if recorded. */
    public Optional<Provenance> provenance() {
        return provenance;
    }

    /** {@code config.json} beside the model, if any. */
    public Optional<JsonNode> config() {
        return Optional.ofNullable(config).map(JsonNode::deepCopy);
    }

    /** Logits per position. */
    public int vocabSize() {
        return decoder.vocabSize();
    }

    /** Transformer layers (from the session's past key/value inputs). */
    public int numLayers() {
        return decoder.layers();
    }

    /** Key/value heads per layer. */
    public int numKeyValueHeads() {
        return decoder.kvHeads();
    }

    /** Size of one attention head. */
    public int headDim() {
        return decoder.headDim();
    }

    /** The longest sequence: {@code max_position_embeddings} of config.json, unbounded without one. */
    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Logits for every position of one sequence (positions 0..T-1, no padding), as [T][V]; what
     * {@code r1j logits} prints.
     */
    public float[][] logits(int[] ids) {
        checkTokens(ids, "ids");
        long[] pos = new long[ids.length];
        float[] keep = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            pos[i] = i;
            keep[i] = 1f;
        }
        int v = vocabSize();
        float[] flat;
        try (OrtDecoder.Cache cache = decoder.newCache(1)) {
            flat = decoder.forward(ids, ids.length, pos, keep, cache, false); // [1, T, V]
        }
        float[][] out = new float[ids.length][v];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(flat, i * v, out[i], 0, v);
        }
        return out;
    }

    /**
     * Checks that {@code ids} is a sequence this model can run: not empty, within
     * {@link #maxPositions()}, every id inside the vocabulary. {@code what} names it in the message.
     */
    public void checkTokens(int[] ids, String what) {
        if (ids.length == 0) {
            throw new BadInputException(what + ": at least one token is needed, got none");
        }
        if (ids.length > maxPositions) {
            throw new BadInputException(what + ": " + ids.length + " tokens exceed the model's max_position_embeddings "
                    + maxPositions);
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize()) {
                throw new BadInputException(what + ": token " + i + " is id " + ids[i] + ", outside the vocabulary [0, "
                        + vocabSize() + ")");
            }
        }
    }

    /**
     * SHA-256 of the model file (and of its external data file, when there is one): the identity
     * provenance records for traces made with this model.
     */
    public String sha256() {
        return sha256(file);
    }

    /** SHA-256 of an ONNX file and of {@code FILE.data} beside it when present. */
    static String sha256(Path onnxFile) {
        Path data = onnxFile.resolveSibling(onnxFile.getFileName() + ".data");
        return Files.exists(data) ? Sha256.ofFiles(onnxFile, data) : Sha256.ofFiles(onnxFile);
    }

    OrtDecoder decoder() {
        return decoder;
    }

    /**
     * This model as an engine of the shared {@link DecodingLoop}: what {@link OrtGenerator} decodes
     * with, and what lets a caller run the loop itself (to time it, or with its own tokenizer). Each
     * batch the loop opens holds its own key/value cache; the model must stay open while one is.
     */
    public DecodingLoop.Backend backend() {
        return decoder.backend();
    }

    @Override
    public void close() {
        decoder.close();
    }
}
