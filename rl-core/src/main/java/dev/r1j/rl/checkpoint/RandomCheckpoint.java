package dev.r1j.rl.checkpoint;

import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.model.internal.RandomWeights;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;

/**
 * A model directory of random weights for a real model's shape, written without building the model:
 * each tensor is generated and written chunk by chunk ({@link RandomWeights}, the values
 * {@code CausalLm.randomInit(config, seed)} holds), so a 1.5 B-parameter checkpoint needs a few
 * megabytes of heap and no engine memory. For rehearsing a real model's memory and speed offline.
 */
public final class RandomCheckpoint {

    private RandomCheckpoint() {}

    /**
     * Writes {@code dir} atomically: {@code config.json} (the fields of {@code sourceConfig} when given,
     * {@code torch_dtype} set to the type written), random weights as {@code options} say (the
     * config's {@code torch_dtype} when no type is given, else F32), the tokenizer files of
     * {@code tokenizerDir} ({@code tokenizer.json} and those of {@link Checkpoint#SIDE_FILES}), the
     * {@code generation_config.json} beside {@code sourceConfig} when there is one, {@code template} and
     * {@code provenance} (each may be null).
     *
     * @throws BadInputException when the tokenizer's vocabulary exceeds the config's {@code vocab_size}
     */
    public static void write(Path dir, TransformerConfig config, Optional<Path> sourceConfig, Path tokenizerDir, long seed,
                             PromptTemplate template, Provenance provenance, WriteOptions options) {
        Path tokenizerFile = tokenizerDir.resolve("tokenizer.json");
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw BadInputException.at(tokenizerFile, 0, null, "has " + tokenizer.vocabSize()
                    + " tokens, more than the config's vocab_size " + config.vocabSize()
                    + "; a model must have a row for every token");
        }
        DType dtype = options.dtype().orElseGet(() -> sourceConfig.flatMap(ConfigJson::declaredDType).orElse(DType.F32));
        Map<String, long[]> shapes = DecoderWeights.hfShapes(config);
        RandomWeights weights = new RandomWeights(shapes, seed);
        AtomicFiles.replaceDirectory(dir, tmp -> {
            AtomicFiles.writeString(tmp.resolve("config.json"), ConfigJson.render(config, sourceConfig, dtype));
            SafeTensorsWriter.writeModel(tmp, weights, new ArrayList<>(shapes.keySet()), dtype, Map.of("format", "pt"),
                    options.maxShardBytes());
            AtomicFiles.write(tmp.resolve("tokenizer.json"), out -> Files.copy(tokenizerFile, out));
            Checkpoint.copySideFiles(tokenizerDir, tmp);
            sourceConfig.map(Path::toAbsolutePath).map(Path::getParent).ifPresent(d -> {
                Path generation = d.resolve("generation_config.json");
                if (Files.isRegularFile(generation) && !Files.exists(tmp.resolve("generation_config.json"))) {
                    AtomicFiles.write(tmp.resolve("generation_config.json"), out -> Files.copy(generation, out));
                }
            });
            if (template != null) {
                template.writeTo(tmp);
            }
            if (provenance != null) {
                provenance.writeTo(tmp);
            }
        });
    }
}
