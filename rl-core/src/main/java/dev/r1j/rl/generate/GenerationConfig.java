package dev.r1j.rl.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model directory's {@code generation_config.json}, as Hugging Face ships it beside the weights: the
 * token ids that end generation. {@code eos_token_id} may be one id or a list (Llama 3.1 lists 128001,
 * 128008 and 128009); generation stops on any of them, as transformers' {@code generate} does. Other
 * fields (sampling defaults such as {@code temperature} and {@code top_p}) are kept in the file when
 * r1j rewrites a checkpoint but are not applied: r1j samples as {@link SamplingParams} says.
 *
 * @param eosTokenIds every end-of-sequence id, in the file's order; empty when the file gives none
 * @param bosTokenId  {@code bos_token_id}, when given
 * @param padTokenId  {@code pad_token_id}, when given
 */
public record GenerationConfig(List<Integer> eosTokenIds, OptionalInt bosTokenId, OptionalInt padTokenId) {

    /** The file name Hugging Face gives it. */
    public static final String FILE = "generation_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public GenerationConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * The ids that end generation for a model: the tokenizer's end-of-sequence id ({@code -1}: none)
     * and every {@code eos_token_id} of {@code modelDir}'s {@value #FILE}, when there is one.
     */
    public static List<Integer> endIds(int tokenizerEos, Optional<Path> modelDir) {
        List<Integer> ids = new ArrayList<>();
        if (tokenizerEos >= 0) {
            ids.add(tokenizerEos);
        }
        modelDir.flatMap(GenerationConfig::readFrom).ifPresent(g -> g.eosTokenIds().forEach(id -> {
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }));
        return ids;
    }

    /** The {@value #FILE} of model directory {@code dir}, if it has one. */
    public static Optional<GenerationConfig> readFrom(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        return Optional.of(parse(text, file));
    }

    /** Parses the text of a {@value #FILE}; {@code source} names it in error messages. */
    public static GenerationConfig parse(String json, Path source) {
        JsonNode root = dev.r1j.rl.io.JsonObjects.parse(json, source);
        List<Integer> eos = new ArrayList<>();
        JsonNode e = root.get("eos_token_id");
        if (e != null && !e.isNull()) {
            if (e.isArray()) {
                for (JsonNode id : e) {
                    eos.add(tokenId(id, source, "eos_token_id"));
                }
            } else {
                eos.add(tokenId(e, source, "eos_token_id"));
            }
        }
        return new GenerationConfig(eos, optionalId(root, source, "bos_token_id"), optionalId(root, source, "pad_token_id"));
    }

    private static OptionalInt optionalId(JsonNode root, Path source, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? OptionalInt.empty() : OptionalInt.of(tokenId(n, source, field));
    }

    private static int tokenId(JsonNode n, Path source, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            throw BadInputException.at(source, 0, field, "must be a token id (an integer >= 0) or a list of them, was " + n);
        }
        return n.asInt();
    }
}
