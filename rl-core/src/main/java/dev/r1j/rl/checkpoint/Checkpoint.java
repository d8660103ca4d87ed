package dev.r1j.rl.checkpoint;

import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import dev.r1j.common.Sha256;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model directory in Hugging Face layout, loaded: {@code config.json}, {@code model.safetensors} (or
 * shards with {@code model.safetensors.index.json}), {@code tokenizer.json}, and r1j's own
 * {@code prompt_template.json} and {@code provenance.json} when present. Weights may be stored as F32,
 * F16 or BF16 and are converted to float32 in Java before the engine sees them.
 */
public final class Checkpoint implements AutoCloseable {

    /** Shards larger than this are split when writing: Hugging Face's default {@code max_shard_size}, 5 GB. */
    public static final long DEFAULT_MAX_SHARD_BYTES = WriteOptions.DEFAULT_MAX_SHARD_BYTES;

    /**
     * Files of a source model directory that a rewritten copy keeps when r1j writes nothing of its own
     * under that name: generation defaults and the tokenizer's other files, as Hugging Face ships them.
     */
    public static final List<String> SIDE_FILES = List.of("generation_config.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "chat_template.json", "added_tokens.json", "vocab.json",
            "merges.txt", "tokenizer.model");

    private final Path directory;
    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final Optional<PromptTemplate> template;
    private final Optional<Provenance> provenance;

    private Checkpoint(Path directory, CausalLm model, Tokenizer tokenizer, Optional<PromptTemplate> template,
                       Optional<Provenance> provenance) {
        this.directory = directory;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.provenance = provenance;
    }

    /**
     * Loads the model directory {@code dir}, or an adapter directory ({@code adapter_config.json}) on
     * the base it names. Bad or missing files give a {@link BadInputException} naming them.
     */
    public static Checkpoint load(Path dir) {
        requireDirectory(dir);
        if (LoraDirectory.isAdapterDirectory(dir)) {
            return loadAdapter(dir, null);
        }
        TransformerConfig config = TransformerConfig.read(dir.resolve("config.json"));
        Tokenizer tokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"));
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw BadInputException.at(dir.resolve("tokenizer.json"), 0, null, "has " + tokenizer.vocabSize()
                    + " tokens, more than config.json's vocab_size " + config.vocabSize());
        }
        Optional<PromptTemplate> template = PromptTemplate.readFrom(dir);
        Optional<Provenance> provenance = Files.exists(dir.resolve(Provenance.FILE))
                ? Optional.of(Provenance.readFrom(dir)) : Optional.empty();
        return new Checkpoint(dir, loadModel(dir), tokenizer, template, provenance);
    }

    /**
     * Loads adapter directory {@code dir} onto {@code base} (null: the base its
     * {@code adapter_config.json} names): the base's model with the adapter attached, the adapter
     * directory's tokenizer and prompt template where it has them, else the base's. Every adapter
     * tensor's name and shape is checked against the base.
     */
    public static Checkpoint loadAdapter(Path dir, Path base) {
        if (!LoraDirectory.isAdapterDirectory(dir)) {
            throw BadInputException.at(dir, 0, null, "is not an adapter directory (no " + LoraDirectory.CONFIG_FILE + ")");
        }
        LoraBase ref = LoraDirectory.base(dir, base);
        Checkpoint b = load(ref.directory());
        try {
            LoraDirectory.attach(b.model, dir, ref);
            Tokenizer tokenizer = b.tokenizer;
            if (Files.exists(dir.resolve("tokenizer.json"))) {
                tokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"));
                if (tokenizer.vocabSize() > b.config().vocabSize()) {
                    throw BadInputException.at(dir.resolve("tokenizer.json"), 0, null, "has " + tokenizer.vocabSize()
                            + " tokens, more than the base's vocab_size " + b.config().vocabSize());
                }
            }
            Optional<PromptTemplate> template = PromptTemplate.readFrom(dir).or(() -> b.template);
            Optional<Provenance> provenance = Files.exists(dir.resolve(Provenance.FILE))
                    ? Optional.of(Provenance.readFrom(dir)) : Optional.empty();
            return new Checkpoint(dir, b.model, tokenizer, template, provenance);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /**
     * Loads only the model of directory {@code dir}: {@code config.json} and the weights (for an
     * adapter directory, its base with the adapter attached). For uses that need no tokenizer, such as
     * comparing logits on checkpoints made elsewhere.
     */
    public static CausalLm loadModel(Path dir) {
        requireDirectory(dir);
        if (LoraDirectory.isAdapterDirectory(dir)) {
            return loadAdapter(dir, null).model();
        }
        TransformerConfig config = TransformerConfig.read(dir.resolve("config.json"));
        try (ModelWeightsFiles weights = ModelWeightsFiles.open(dir)) {
            return CausalLm.fromWeights(config, weights, dir);
        }
    }

    /** Refuses a path that is no directory, saying where the hub cache was searched when it reads like a model id. */
    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw BadInputException.at(dir, 0, null, "not a model directory"
                    + HfHubCache.fromEnvironment().whereItLooked(dir.toString()).map(m -> "; " + m).orElse(""));
        }
    }

    /**
     * Writes a model directory atomically: it is assembled beside {@code dir} and renamed into place, so
     * {@code dir} holds either the previous complete checkpoint or the new one. Weights get Hugging Face
     * tensor names and are streamed from the engine one chunk at a time, in the source's dtype
     * ({@link WriteOptions#defaults()}); the source's generation and tokenizer files come along.
     *
     * @param template   the prompt template to keep with the model, or null for none
     * @param provenance where the model came from (its config is the run's)
     */
    public static void write(Path dir, CausalLm model, Tokenizer tokenizer, PromptTemplate template,
                             Provenance provenance) {
        write(dir, model, tokenizer, template, provenance, WriteOptions.defaults());
    }

    /** As {@link #write(Path, CausalLm, Tokenizer, PromptTemplate, Provenance)}, with the weights written as {@code options} say. */
    public static void write(Path dir, CausalLm model, Tokenizer tokenizer, PromptTemplate template,
                             Provenance provenance, WriteOptions options) {
        if (model.adapter().isPresent()) {
            throw new IllegalStateException("refusing to write a model with an adapter as a full checkpoint to " + dir
                    + " (its weights would lack the adapter): merge it first (CausalLm.mergeAdapter) or write an adapter "
                    + "directory (LoraDirectory.write)");
        }
        if (!model.weightsFinite()) {
            throw new IllegalStateException("refusing to write a checkpoint with NaN or infinite weights to " + dir);
        }
        AtomicFiles.replaceDirectory(dir, tmp -> writeFiles(tmp, model, tokenizer, template, provenance, options));
    }

    /**
     * Writes the files of a model directory into {@code dir}, which must exist, without the atomic
     * rename: for callers that add their own files (optimiser state) to one atomically published
     * directory. {@code config.json} keeps the fields of the source's own {@code config.json} (a list of
     * {@code eos_token_id}s included) with {@code torch_dtype} set to the type written; files of
     * {@link #SIDE_FILES} that the source directory has and this writer does not write are copied.
     *
     * @param tokenizer null to write no tokenizer files
     */
    public static void writeFiles(Path dir, CausalLm model, Tokenizer tokenizer, PromptTemplate template,
                                  Provenance provenance, WriteOptions options) {
        DType dtype = options.dtype().orElseGet(() -> sourceDType(model));
        Optional<Path> origin = model.origin().filter(o -> Files.isDirectory(o) && !sameFile(o, dir));
        AtomicFiles.writeString(dir.resolve("config.json"),
                ConfigJson.render(model.config(), origin.map(o -> o.resolve("config.json")), dtype));
        SafeTensorsWriter.writeModel(dir, model.hfWeights(), new ArrayList<>(model.hfShapes().keySet()), dtype,
                Map.of("format", "pt"), options.maxShardBytes());
        if (tokenizer != null) {
            tokenizer.writeTo(dir);
        }
        if (template != null) {
            template.writeTo(dir);
        }
        if (provenance != null) {
            provenance.writeTo(dir);
        }
        origin.ifPresent(o -> copySideFiles(o, dir));
    }

    /** The type {@code model}'s source directory stores most of its weights in; F32 without one. */
    public static DType sourceDType(CausalLm model) {
        Optional<Path> origin = model.origin().filter(Files::isDirectory);
        if (origin.isEmpty()) {
            return DType.F32;
        }
        try (ModelWeightsFiles w = ModelWeightsFiles.open(origin.get())) {
            return w.storedDType();
        } catch (BadInputException e) {
            return DType.F32; // the source has changed since it was loaded; write exactly
        }
    }

    /** Copies the {@link #SIDE_FILES} {@code from} has into {@code to}, where {@code to} has none of that name. */
    public static void copySideFiles(Path from, Path to) {
        for (String name : SIDE_FILES) {
            Path src = from.resolve(name);
            Path dst = to.resolve(name);
            if (Files.isRegularFile(src) && !Files.exists(dst)) {
                try {
                    AtomicFiles.write(dst, out -> Files.copy(src, out));
                } catch (UncheckedIOException e) {
                    throw new UncheckedIOException("cannot copy " + src + " to " + dst, e.getCause());
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * SHA-256 over a model directory's {@code config.json} and weight files, in name order: the identity
     * a child checkpoint records as its parent.
     */
    public static String sha256(Path dir) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || (n.startsWith("model") && n.endsWith(".safetensors"))
                        || n.equals(LoraDirectory.CONFIG_FILE) || n.equals(LoraDirectory.WEIGHTS_FILE);
            }).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + dir, e);
        }
        if (files.isEmpty()) {
            throw BadInputException.at(dir, 0, null, "no config.json or weights to hash");
        }
        Sha256 h = Sha256.start();
        for (Path f : files) {
            h.text(f.getFileName().toString()).file(f);
        }
        return h.hex();
    }

    public Path directory() {
        return directory;
    }

    public CausalLm model() {
        return model;
    }

    public TransformerConfig config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Optional<PromptTemplate> template() {
        return template;
    }

    public Optional<Provenance> provenance() {
        return provenance;
    }

    @Override
    public void close() {
        model.close();
    }
}
