package dev.r1j.rl.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a character-level vocabulary and writes it as a Hugging Face {@code tokenizer.json}, so small
 * models use the same tokenizer code path as real ones.
 *
 * <p>Ids are deterministic: {@code <|pad|>} 0, {@code <|endoftext|>} 1 (end of sequence),
 * {@code <|unk|>} 2 (any character outside the alphabet), then the extra tokens in the order given
 * (each encodes as a single token, e.g. {@code <think>}), then the alphabet's characters in code-point
 * order. The pre-tokenizer isolates every character and the {@code Fuse} decoder concatenates tokens,
 * so {@code decode(encode(s)) == s} for every string over the alphabet, whitespace included.
 */
public final class CharVocabulary {

    public static final String PAD = "<|pad|>";
    public static final String EOS = "<|endoftext|>";
    public static final String UNK = "<|unk|>";

    private final Set<Integer> alphabet = new TreeSet<>();
    private final Set<String> extraTokens = new LinkedHashSet<>();

    private CharVocabulary() {}

    public static CharVocabulary builder() {
        return new CharVocabulary();
    }

    /** Adds every code point of {@code text} to the alphabet. */
    public CharVocabulary addCharacters(String text) {
        text.codePoints().forEach(alphabet::add);
        return this;
    }

    /** Adds tokens that must encode as one id each and stay visible in decoded text. */
    public CharVocabulary addTokens(String... tokens) {
        for (String t : tokens) {
            if (t.isEmpty() || t.equals(PAD) || t.equals(EOS) || t.equals(UNK)) {
                throw new IllegalArgumentException("extra tokens must be non-empty and not a reserved token: '" + t + "'");
            }
            extraTokens.add(t);
        }
        return this;
    }

    /** Vocabulary size once built. */
    public int size() {
        return 3 + extraTokens.size() + alphabet.size();
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} and loads them. */
    public HfTokenizer writeTo(Path dir) {
        if (alphabet.isEmpty()) {
            throw new IllegalArgumentException("the alphabet is empty: add characters first");
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> ordered = new ArrayList<>(List.of(PAD, EOS, UNK));
        ordered.addAll(extraTokens);
        for (int id = 0; id < ordered.size(); id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", ordered.get(id));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", id < 3); // extra tokens such as <think> must survive decode(skipSpecial)
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Split");
        pre.putObject("pattern").put("Regex", "[\\s\\S]");
        pre.put("behavior", "Isolated");
        pre.put("invert", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < ordered.size(); id++) {
            vocab.put(ordered.get(id), id);
        }
        int id = ordered.size();
        for (int cp : alphabet) {
            String ch = new String(Character.toChars(cp));
            if (!vocab.has(ch)) {
                vocab.put(ch, id++);
            }
        }
        model.put("unk_token", UNK);

        ObjectNode config = json.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("eos_token", EOS);
        config.put("pad_token", PAD);
        config.put("unk_token", UNK);
        config.put("model_max_length", 1_000_000);
        try {
            AtomicFiles.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(root) + "\n");
            AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(config) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HfTokenizer.load(dir.resolve("tokenizer.json"));
    }
}
