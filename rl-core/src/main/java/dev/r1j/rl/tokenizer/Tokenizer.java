package dev.r1j.rl.tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Text to token ids and back. Every r1j tokenizer is a Hugging Face {@code tokenizer.json}, including
 * the small character vocabularies r1j builds ({@link CharVocabulary}), so there is one code path.
 * Implementations are thread-safe.
 */
public interface Tokenizer {

    /** Token ids of {@code text}: no special tokens added, never truncated. */
    int[] encode(String text);

    /** The text of {@code ids}; special tokens (eos, pad, unk) are left out when {@code skipSpecial}. */
    String decode(int[] ids, boolean skipSpecial);

    /** Ids are in [0, vocabSize). */
    int vocabSize();

    /** The end-of-sequence token. */
    int eosId();

    /** The padding token (the end-of-sequence token when the vocabulary has no padding token). */
    int padId();

    /** The beginning-of-sequence token, if the vocabulary has one. */
    OptionalInt bosId();

    /** The id of a token's text, if it is in the vocabulary. */
    OptionalInt tokenToId(String token);

    /** The special tokens (skipped by {@code decode(ids, true)}). */
    List<String> specialTokens();

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code modelDir}, atomically. */
    void writeTo(Path modelDir);
}
