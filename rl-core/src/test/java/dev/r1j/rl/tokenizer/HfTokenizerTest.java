package dev.r1j.rl.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A hand-written byte-level BPE tokenizer.json, the kind real checkpoints ship, through the same loader. */
class HfTokenizerTest {

    static Path bpe() throws URISyntaxException {
        return Path.of(HfTokenizerTest.class.getResource("/tokenizer/bpe/tokenizer.json").toURI());
    }

    @Test
    void appliesMergesInRankOrderAndDecodesBytes() throws Exception {
        HfTokenizer t = HfTokenizer.load(bpe());
        // "hello" merges fully; "Ġworld" stops at Ġw + or + l + d (no further merges exist).
        assertArrayEquals(new int[] {12, 13, 14, 5, 2}, t.encode("hello world"));
        assertEquals("hello world", t.decode(new int[] {12, 13, 14, 5, 2}, true));
        assertEquals(0, t.eosId(), "eos found by its well-known name");
        assertEquals(0, t.padId(), "pad falls back to eos");
        assertEquals(15, t.vocabSize());
        assertTrue(t.specialTokens().contains("<|endoftext|>"));
        assertEquals("hello", t.decode(new int[] {12, 0}, true));
    }

    @Test
    void noTruncationAt512Tokens() throws Exception {
        HfTokenizer t = HfTokenizer.load(bpe());
        String text = "hello ".repeat(1500).strip();
        // The first "hello" is one token; each later " hello" is two (Ġ and hello: no merge joins them).
        assertEquals(1 + 2 * 1499, t.encode(text).length);
    }
}
