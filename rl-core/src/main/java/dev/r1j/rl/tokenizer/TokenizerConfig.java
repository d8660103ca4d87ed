package dev.r1j.rl.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@code tokenizer_config.json} as Hugging Face checkpoints ship it: special tokens written as
 * strings or as {@code {"__type": "AddedToken", "content": ...}} objects (DeepSeek's), or null;
 * {@code added_tokens_decoder} (id to token); {@code chat_template} as one template or as a list of
 * named ones.
 *
 * @param file the file read (null for an empty configuration)
 * @param specialTokens the special tokens that are set, by name ({@code bos_token}, {@code eos_token},
 *     {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token}),
 *     to their text, in file order
 * @param additionalSpecialTokens {@code additional_special_tokens}, as text
 * @param addedTokens {@code added_tokens_decoder}: id to token, ascending
 * @param chatTemplate the {@code chat_template} field: the template, or the one named {@code default}
 *     of a list
 */
public record TokenizerConfig(Path file, Map<String, String> specialTokens, List<String> additionalSpecialTokens,
                              Map<Integer, AddedToken> addedTokens, Optional<String> chatTemplate) {

    public static final String FILE = "tokenizer_config.json";

    /** The names transformers gives special tokens, each passed to chat templates as a variable when set. */
    public static final List<String> SPECIAL_TOKEN_NAMES = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    /** One entry of {@code added_tokens_decoder}. */
    public record AddedToken(String content, boolean special) {}

    public TokenizerConfig {
        specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
        addedTokens = java.util.Collections.unmodifiableMap(new TreeMap<>(addedTokens));
    }

    /** A configuration with nothing set. */
    public static TokenizerConfig empty() {
        return new TokenizerConfig(null, Map.of(), List.of(), Map.of(), Optional.empty());
    }

    /** {@code tokenizer_config.json} of {@code modelDir}, or {@link #empty()} when there is none. */
    public static TokenizerConfig readFrom(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        return Files.exists(file) ? read(file) : empty();
    }

    /** Reads {@code file}; malformed fields are a {@link BadInputException} naming the field. */
    public static TokenizerConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.at(file, 0, null, "must be a JSON object");
        }
        Map<String, String> specials = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKEN_NAMES) {
            JsonNode t = root.get(name);
            if (t != null && !t.isNull()) {
                specials.put(name, tokenText(file, name, t));
            }
        }
        List<String> additional = new ArrayList<>();
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && !extra.isNull()) {
            if (!extra.isArray()) {
                throw BadInputException.at(file, 0, "additional_special_tokens", "must be a list of tokens");
            }
            for (int i = 0; i < extra.size(); i++) {
                additional.add(tokenText(file, "additional_special_tokens[" + i + "]", extra.get(i)));
            }
        }
        Map<Integer, AddedToken> added = new TreeMap<>();
        JsonNode decoder = root.get("added_tokens_decoder");
        if (decoder != null && !decoder.isNull()) {
            if (!decoder.isObject()) {
                throw BadInputException.at(file, 0, "added_tokens_decoder", "must be an object of ids to tokens");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String field = "added_tokens_decoder." + e.getKey();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw BadInputException.at(file, 0, field, "the key must be a token id (a non-negative integer)");
                }
                if (id < 0) {
                    throw BadInputException.at(file, 0, field, "the key must be a token id (a non-negative integer)");
                }
                added.put(id, new AddedToken(tokenText(file, field, e.getValue()), e.getValue().path("special").asBoolean(false)));
            }
        }
        return new TokenizerConfig(file, specials, additional, added, chatTemplate(file, root.get("chat_template")));
    }

    /** The text of a token written as a string or as an AddedToken object. */
    private static String tokenText(Path file, String field, JsonNode t) {
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isObject() && t.path("content").isTextual()) {
            return t.get("content").asText();
        }
        throw BadInputException.at(file, 0, field, "must be a token: a string or an object with a string \"content\"");
    }

    /** One template, or the one named {@code default} of a list of {@code {name, template}}, as transformers picks. */
    private static Optional<String> chatTemplate(Path file, JsonNode t) {
        if (t == null || t.isNull()) {
            return Optional.empty();
        }
        if (t.isTextual()) {
            return Optional.of(t.asText());
        }
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                JsonNode e = t.get(i);
                if (!e.path("name").isTextual() || !e.path("template").isTextual()) {
                    throw BadInputException.at(file, 0, "chat_template[" + i + "]",
                            "must be an object with a string \"name\" and a string \"template\"");
                }
                if (e.get("name").asText().equals("default")) {
                    return Optional.of(e.get("template").asText());
                }
                names.add(e.get("name").asText());
            }
            throw BadInputException.at(file, 0, "chat_template", "a list of named templates needs one named \"default\" "
                    + "(names here: " + names + ")");
        }
        throw BadInputException.at(file, 0, "chat_template", "must be a template (a string) or a list of "
                + "{\"name\", \"template\"} objects");
    }
}
