package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.checkpoint.RandomCheckpoint;
import dev.r1j.rl.checkpoint.WriteOptions;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code r1j init}: a randomly initialised model with a character vocabulary, the starting point of
 * pre-training; or, with {@code --hf-config}, random weights of a real model's shape with its tokenizer.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Writes a randomly initialised Llama/Qwen2-family model with a character-level tokenizer "
                + "(tokens for <think>, </think>, <answer>, </answer> included) to a new model directory.",
                "With --hf-config FILE.json --tokenizer DIR, writes random weights for that Hugging Face config.json "
                + "instead, with DIR's tokenizer files, streamed to disk tensor by tensor: a real model's shape to "
                + "rehearse its memory and speed without downloading it."})
final class InitCommand implements Callable<Integer> {

    /** Characters of arithmetic and Countdown problems and their worked solutions, plus plain text. */
    static final String DEFAULT_ALPHABET = "0123456789+-*/=()., :?\n"
            + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model directory to create.")
    Path out;

    @Option(names = "--family", defaultValue = "qwen2", description = "qwen2, llama, qwen3 or mistral (default: ${DEFAULT-VALUE}).")
    String family;

    @Option(names = "--hidden", defaultValue = "128", description = "hidden_size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "512", description = "intermediate_size (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--layers", defaultValue = "4", description = "num_hidden_layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "num_attention_heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "2", description = "num_key_value_heads (default: ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--max-positions", defaultValue = "512", description = "max_position_embeddings (default: ${DEFAULT-VALUE}).")
    int maxPositions;

    @Option(names = "--untied", description = "Give the output head its own matrix instead of reusing the embedding.")
    boolean untied;

    @Option(names = "--alphabet", description = "Characters of the vocabulary (default: digits, arithmetic, letters).")
    String alphabet = DEFAULT_ALPHABET;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ForceOption replace;

    @Option(names = "--hf-config", paramLabel = "FILE.json", description = "A Hugging Face config.json to take the "
            + "shape from (any model type r1j supports); the shape flags above are then not allowed.")
    Path hfConfig;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "With --hf-config: a directory holding tokenizer.json "
            + "(and tokenizer_config.json, special_tokens_map.json, ... which are copied too). Refused when its "
            + "vocabulary exceeds the config's vocab_size.")
    Path tokenizerDir;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "With --hf-config: F32, F16 or BF16 (default: the "
            + "config's torch_dtype, F32 when it names none).")
    String dtype;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", description = "With --hf-config: the largest weights file, "
            + "as Hugging Face's max_shard_size (e.g. 5GB, 500MB; default: ${DEFAULT-VALUE}); larger models are "
            + "sharded with model.safetensors.index.json.", defaultValue = "5GB")
    String maxShardSize;

    @Spec
    CommandSpec spec;

    /** The shape flags, which --hf-config replaces. */
    private static final List<String> SHAPE_FLAGS = List.of("--family", "--hidden", "--intermediate", "--layers", "--heads",
            "--kv-heads", "--max-positions", "--untied", "--alphabet");

    @Override
    public Integer call() {
        if (hfConfig != null || tokenizerDir != null) {
            return fromHfConfig();
        }
        for (String flag : List.of("--dtype", "--max-shard-size")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                throw new BadInputException(flag + " applies with --hf-config only");
            }
        }
        ModelFamily f = ModelFamily.fromModelType(family).orElseThrow(() ->
                new BadInputException("--family must be one of " + ModelFamily.supportedModelTypes() + ", was '" + family + "'"));
        if (Files.exists(out) && !replace.force) {
            throw new BadInputException("--out " + out + " already exists (use --force to replace it)");
        }
        if (alphabet.isEmpty()) {
            throw new BadInputException("--alphabet is empty");
        }
        Path tokDir = out.toAbsolutePath().getParent().resolve("." + out.getFileName() + ".tokenizer-" + System.nanoTime());
        try {
            HfTokenizer tok = CharVocabulary.builder().addCharacters(alphabet)
                    .addTokens("<think>", "</think>", "<answer>", "</answer>").writeTo(tokDir);
            TransformerConfig config;
            try {
                config = TransformerConfig.builder().family(f).vocabSize(tok.vocabSize()).hiddenSize(hidden)
                        .intermediateSize(intermediate).numHiddenLayers(layers).numAttentionHeads(heads)
                        .numKeyValueHeads(kvHeads).maxPositionEmbeddings(maxPositions).tieWordEmbeddings(!untied)
                        .eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
            try (CausalLm model = CausalLm.randomInit(config, seed)) {
                var runConfig = new ObjectMapper().valueToTree(Map.of("stage", "init", "seed", seed));
                Checkpoint.write(out, model, tok, PromptTemplate.DEFAULT,
                        Provenance.of(seed, Invocation.of(spec),
                                "", (com.fasterxml.jackson.databind.JsonNode) runConfig, Map.of()));
            }
            spec.commandLine().getOut().printf("wrote %s: %,d parameters, vocabulary of %d tokens%n", out,
                    config.parameterCount(), tok.vocabSize());
            spec.commandLine().getOut().flush();
        } finally {
            dev.r1j.common.AtomicFiles.deleteRecursivelyQuietly(tokDir);
        }
        return R1j.EXIT_OK;
    }

    /** {@code --hf-config}: random weights for a real config, generated and written tensor by tensor. */
    private int fromHfConfig() {
        if (hfConfig == null || tokenizerDir == null) {
            throw new BadInputException("--hf-config and --tokenizer go together: give both");
        }
        for (String flag : SHAPE_FLAGS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                throw new BadInputException(flag + " cannot be combined with --hf-config, which gives the shape");
            }
        }
        if (Files.exists(out) && !replace.force) {
            throw new BadInputException("--out " + out + " already exists (use --force to replace it)");
        }
        if (!Files.isDirectory(tokenizerDir)) {
            throw new BadInputException("--tokenizer " + tokenizerDir + ": not a directory (it must hold tokenizer.json)");
        }
        WriteOptions options = WriteOptions.defaults();
        if (dtype != null) {
            DType d = DType.fromHeader(dtype.toUpperCase(java.util.Locale.ROOT)).filter(DType::writable).orElseThrow(() ->
                    new BadInputException("--dtype must be F32, F16 or BF16, was '" + dtype + "'"));
            options = options.withDType(d);
        }
        try {
            options = options.withMaxShardBytes(WriteOptions.parseShardSize(maxShardSize));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--max-shard-size " + e.getMessage());
        }
        TransformerConfig config = TransformerConfig.read(hfConfig);
        var runConfig = new ObjectMapper().valueToTree(Map.of("stage", "init", "seed", seed,
                "hf_config", hfConfig.toAbsolutePath().toString()));
        RandomCheckpoint.write(out, config, Optional.of(hfConfig), tokenizerDir, seed, PromptTemplate.DEFAULT,
                Provenance.of(seed, Invocation.of(spec), "", (com.fasterxml.jackson.databind.JsonNode) runConfig, Map.of()),
                options);
        spec.commandLine().getOut().printf("wrote %s: %,d parameters (%s), vocabulary of %d tokens%n", out,
                config.parameterCount(), storedType(out), config.vocabSize());
        spec.commandLine().getOut().flush();
        return R1j.EXIT_OK;
    }

    private static String storedType(Path dir) {
        try (ModelWeightsFiles w = ModelWeightsFiles.open(dir)) {
            return w.storedDType().name();
        }
    }
}
