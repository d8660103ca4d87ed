package dev.r1j.rl.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's binding of the Rust tokenizers library, with
 * truncation, padding and automatic special tokens switched off (DJL truncates to 512 tokens by
 * default). Special token ids come from {@code tokenizer_config.json}, else from the model's
 * {@code config.json}/{@code generation_config.json}, else from well-known names.
 */
public final class HfTokenizer implements Tokenizer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false", "maxLength", "-1");
    private static final List<String> EOS_NAMES = List.of("<|endoftext|>", "</s>", "<eos>", "<|im_end|>", "<|eot_id|>");
    private static final List<String> PAD_NAMES = List.of("<|pad|>", "<pad>", "[PAD]");
    private static final List<String> BOS_NAMES = List.of("<s>", "<bos>", "<|begin_of_text|>");

    private final HuggingFaceTokenizer tokenizer;
    private final String tokenizerJson;
    private final String tokenizerConfigJson;
    private final Map<String, Integer> vocab;
    private final int vocabSize;
    private final List<String> specials;
    private final int eosId;
    private final int padId;
    private final OptionalInt bosId;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, String tokenizerJson, String tokenizerConfigJson,
                        Map<String, Integer> vocab, List<String> specials, int eosId, int padId, OptionalInt bosId) {
        this.tokenizer = tokenizer;
        this.tokenizerJson = tokenizerJson;
        this.tokenizerConfigJson = tokenizerConfigJson;
        this.vocab = vocab;
        this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.specials = List.copyOf(specials);
        this.eosId = eosId;
        this.padId = padId;
        this.bosId = bosId;
    }

    /** Loads {@code tokenizer.json}, or the one inside a model directory (with its neighbouring configs). */
    public static HfTokenizer load(Path tokenizerJsonOrModelDir) {
        Path file = Files.isDirectory(tokenizerJsonOrModelDir)
                ? tokenizerJsonOrModelDir.resolve("tokenizer.json") : tokenizerJsonOrModelDir;
        Path dir = file.toAbsolutePath().getParent();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file (a model directory needs tokenizer.json)");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        JsonNode root = readJson(file, text);
        Map<String, Integer> vocab = vocabulary(file, root);
        List<String> specials = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("special").asBoolean(false)) {
                specials.add(t.path("content").asText());
            }
        }
        Path configFile = dir.resolve(TokenizerConfig.FILE);
        String configText = null;
        TokenizerConfig tokConfig = TokenizerConfig.empty();
        if (Files.exists(configFile)) {
            try {
                configText = Files.readString(configFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw BadInputException.at(configFile, 0, null, "cannot read: " + e.getMessage());
            }
            tokConfig = TokenizerConfig.read(configFile);
        }
        // added_tokens_decoder names tokens too (transformers' own record of them); tokenizer.json's
        // added_tokens normally agree, and where it lacks one the id is still known by its text.
        for (Map.Entry<Integer, TokenizerConfig.AddedToken> e : tokConfig.addedTokens().entrySet()) {
            vocab.putIfAbsent(e.getValue().content(), e.getKey());
            if (e.getValue().special() && !specials.contains(e.getValue().content())) {
                specials.add(e.getValue().content());
            }
        }
        JsonNode modelConfig = optionalJson(dir.resolve("generation_config.json"));
        JsonNode baseConfig = optionalJson(dir.resolve("config.json"));

        OptionalInt eos = special(vocab, tokConfig, "eos_token", modelConfig, baseConfig, "eos_token_id", EOS_NAMES);
        if (eos.isEmpty()) {
            throw BadInputException.at(file, 0, null, "no end-of-sequence token found: set eos_token in "
                    + "tokenizer_config.json or eos_token_id in config.json");
        }
        OptionalInt pad = special(vocab, tokConfig, "pad_token", modelConfig, baseConfig, "pad_token_id", PAD_NAMES);
        OptionalInt bos = special(vocab, tokConfig, "bos_token", modelConfig, baseConfig, "bos_token_id", BOS_NAMES);

        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw BadInputException.at(file, 0, null, "not a tokenizer the tokenizers library accepts: " + e.getMessage());
        }
        return new HfTokenizer(hf, text, configText, vocab, specials, eos.getAsInt(), pad.orElse(eos.getAsInt()), bos);
    }

    private static JsonNode readJson(Path file, String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                throw BadInputException.at(file, 0, null, "must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "not valid JSON: " + e.getMessage());
        }
    }

    private static JsonNode optionalJson(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return readJson(file, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
    }

    /** Token text to id: the model's vocabulary plus added tokens. */
    private static Map<String, Integer> vocabulary(Path file, JsonNode root) {
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = root.path("model").path("vocab");
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        } else if (v.isArray()) { // Unigram: [[piece, score], ...], id = index
            for (int i = 0; i < v.size(); i++) {
                vocab.put(v.get(i).get(0).asText(), i);
            }
        } else {
            throw BadInputException.at(file, 0, "model.vocab", "is missing or not a vocabulary");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.path("content").asText(), t.path("id").asInt());
        }
        return vocab;
    }

    private static OptionalInt special(Map<String, Integer> vocab, TokenizerConfig tokConfig, String tokenField,
                                       JsonNode generationConfig, JsonNode modelConfig, String idField, List<String> names) {
        String content = tokConfig.specialTokens().get(tokenField); // a string or an AddedToken's content
        if (content != null && vocab.containsKey(content)) {
            return OptionalInt.of(vocab.get(content));
        }
        for (JsonNode cfg : new JsonNode[] {generationConfig, modelConfig}) {
            if (cfg != null) {
                JsonNode id = cfg.get(idField);
                if (id != null && id.isArray() && id.size() > 0) {
                    id = id.get(0);
                }
                if (id != null && id.canConvertToInt()) {
                    return OptionalInt.of(id.asInt());
                }
            }
        }
        for (String n : names) {
            if (vocab.containsKey(n)) {
                return OptionalInt.of(vocab.get(n));
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public int[] encode(String text) {
        // The native tokenizer silently drops unpaired UTF-16 surrogates; replacing each with U+FFFD
        // keeps every character of model-written text in place.
        long[] ids = tokenizer.encode(replaceLoneSurrogates(text), false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecial);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public OptionalInt bosId() {
        return bosId;
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public List<String> specialTokens() {
        return specials;
    }

    @Override
    public void writeTo(Path modelDir) {
        AtomicFiles.writeString(modelDir.resolve("tokenizer.json"), tokenizerJson);
        if (tokenizerConfigJson != null) {
            AtomicFiles.writeString(modelDir.resolve("tokenizer_config.json"), tokenizerConfigJson);
        }
    }

    static String replaceLoneSurrogates(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (sb != null) {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length()).append(text, 0, i);
                }
                sb.append('\uFFFD');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
