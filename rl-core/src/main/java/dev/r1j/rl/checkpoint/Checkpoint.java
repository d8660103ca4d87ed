package dev.r1j.rl.checkpoint;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.io.AtomicFiles;
import dev.r1j.rl.io.Sha256;
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

    /** Shards larger than this are split when writing (Hugging Face's usual limit is 5 GB). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 2L << 30;

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
        if (!Files.isDirectory(dir)) {
            throw BadInputException.at(dir, 0, null, "not a model directory");
        }
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
        if (!Files.isDirectory(dir)) {
            throw BadInputException.at(dir, 0, null, "not a model directory");
        }
        if (LoraDirectory.isAdapterDirectory(dir)) {
            return loadAdapter(dir, null).model();
        }
        TransformerConfig config = TransformerConfig.read(dir.resolve("config.json"));
        try (ModelWeightsFiles weights = ModelWeightsFiles.open(dir)) {
            return CausalLm.fromWeights(config, weights, dir);
        }
    }

    /**
     * Writes a model directory atomically: it is assembled beside {@code dir} and renamed into place, so
     * {@code dir} holds either the previous complete checkpoint or the new one. Weights are written as
     * float32 with Hugging Face tensor names.
     *
     * @param template   the prompt template to keep with the model, or null for none
     * @param provenance where the model came from (its config is the run's)
     */
    public static void write(Path dir, CausalLm model, Tokenizer tokenizer, PromptTemplate template,
                             Provenance provenance) {
        if (model.adapter().isPresent()) {
            throw new IllegalStateException("refusing to write a model with an adapter as a full checkpoint to " + dir
                    + " (its weights would lack the adapter): merge it first (CausalLm.mergeAdapter) or write an adapter "
                    + "directory (LoraDirectory.write)");
        }
        Map<String, float[]> tensors = model.hfTensors();
        Map<String, long[]> shapes = model.hfShapes();
        for (float[] t : tensors.values()) {
            for (float v : t) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("refusing to write a checkpoint with NaN or infinite weights to " + dir);
                }
            }
        }
        AtomicFiles.replaceDirectory(dir, tmp -> writeFiles(tmp, model.config(), tensors, shapes, tokenizer, template, provenance));
    }

    /**
     * Writes the files of a model directory into {@code dir}, which must exist, without the atomic
     * rename: for callers that add their own files (optimiser state) to one atomically published
     * directory.
     */
    public static void writeFiles(Path dir, TransformerConfig config, Map<String, float[]> tensors, Map<String, long[]> shapes,
                                  Tokenizer tokenizer, PromptTemplate template, Provenance provenance) {
        AtomicFiles.writeString(dir.resolve("config.json"), config.toJson());
        SafeTensorsWriter.writeModel(dir, tensors, shapes, Map.of("format", "pt"), DEFAULT_MAX_SHARD_BYTES);
        tokenizer.writeTo(dir);
        if (template != null) {
            template.writeTo(dir);
        }
        if (provenance != null) {
            provenance.writeTo(dir);
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
