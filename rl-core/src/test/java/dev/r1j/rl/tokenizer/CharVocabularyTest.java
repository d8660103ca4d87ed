package dev.r1j.rl.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharVocabularyTest {

    static final String ALPHABET = "0123456789+-*/=() \n\tabcdefghijklmnopqrstuvwxyz.,:?<>";

    @TempDir
    Path dir;

    HfTokenizer build() {
        return CharVocabulary.builder().addCharacters(ALPHABET)
                .addTokens("<think>", "</think>", "<answer>", "</answer>").writeTo(dir);
    }

    @Test
    void roundTripsRandomTextIncludingWhitespace() {
        HfTokenizer t = build();
        Random r = new Random(1);
        List<String> cases = new ArrayList<>(List.of(" ", "  leading", "trailing  ", "\n\n", "a  b\t\tc\n", "12 * 34 = 408"));
        for (int i = 0; i < 200; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(60);
            for (int j = 0; j < n; j++) {
                sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
            }
            cases.add(sb.toString());
        }
        for (String s : cases) {
            int[] ids = t.encode(s);
            assertEquals(s.length(), ids.length, "one token per character: '" + s + "'");
            assertEquals(s, t.decode(ids, true), "round trip of '" + s + "'");
        }
    }

    @Test
    void idsAreDeterministicAndSpecialsAreSingleTokens() {
        HfTokenizer t = build();
        assertEquals(0, t.padId());
        assertEquals(1, t.eosId());
        assertEquals(3, t.tokenToId("<think>").getAsInt());
        assertEquals(CharVocabulary.builder().addCharacters(ALPHABET).addTokens("<think>", "</think>", "<answer>",
                "</answer>").size(), t.vocabSize());
        int[] ids = t.encode("<think>1+1</think><answer>2</answer>");
        assertEquals(4 + 3 + 1, ids.length, "four tags, '1+1', '2': 8 tokens");
        assertEquals(t.tokenToId("<answer>").getAsInt(), ids[5]);
        assertEquals("<think>1+1</think><answer>2</answer>", t.decode(ids, true));
        // Space before a tag is kept; no space is invented after it.
        assertEquals("x <answer>", t.decode(t.encode("x <answer>"), true));
        // EOS and padding are special: dropped when skipping specials.
        assertEquals("ab", t.decode(new int[] {t.encode("a")[0], t.eosId(), t.encode("b")[0], t.padId()}, true));
        // Rebuilding gives the same ids.
        HfTokenizer again = CharVocabulary.builder().addTokens("<think>", "</think>", "<answer>", "</answer>")
                .addCharacters(new StringBuilder(ALPHABET).reverse().toString()).writeTo(dir.resolve("again"));
        assertArrayEquals(t.encode("hello world 42"), again.encode("hello world 42"));
    }

    @Test
    void unknownCharactersMapToUnkWithoutThrowing() {
        HfTokenizer t = build();
        int[] ids = t.encode("a€b");
        assertEquals(3, ids.length);
        assertEquals(2, ids[1]);
        assertEquals("ab", t.decode(ids, true));
    }

    @Test
    void loneSurrogatesKeepTheirPlace() {
        HfTokenizer t = build();
        int[] ids = t.encode("a\uD800b\uDC00c");
        assertEquals(5, ids.length, "each lone surrogate is one unknown token, not dropped");
        assertEquals(2, ids[1]);
        assertEquals("abc", t.decode(ids, true));
        assertEquals("x\uD83D\uDE00y", HfTokenizer.replaceLoneSurrogates("x\uD83D\uDE00y"), "pairs are untouched");
    }

    @Test
    void longTextIsNotTruncated() {
        HfTokenizer t = build();
        String s = "0123456789".repeat(500);
        assertEquals(5000, t.encode(s).length);
    }

    @Test
    void concurrentUseGivesTheSameResultsAsSerial() throws Exception {
        HfTokenizer t = build();
        List<String> texts = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 200; i++) {
            texts.add(Integer.toString(r.nextInt(1_000_000)) + " * " + r.nextInt(1000));
        }
        List<int[]> serial = texts.stream().map(t::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (String s : texts) {
                futures.add(pool.submit(() -> {
                    int[] ids = t.encode(s);
                    assertEquals(s, t.decode(ids, true));
                    return ids;
                }));
            }
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(serial.get(i), futures.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void specialTokensAreFoundInConfigFilesAndBadFilesAreNamed() throws Exception {
        build();
        // eos from config.json when tokenizer_config.json has none
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [5, 6], \"pad_token_id\": 7}");
        HfTokenizer t = HfTokenizer.load(dir);
        assertEquals(5, t.eosId());
        assertEquals(7, t.padId());
        // object form in tokenizer_config.json wins
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<answer>\"}}");
        HfTokenizer fromObject = HfTokenizer.load(dir);
        assertEquals(fromObject.tokenToId("<answer>").getAsInt(), fromObject.eosId());

        BadInputException missing = assertThrows(BadInputException.class, () -> HfTokenizer.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{ not json");
        BadInputException malformed = assertThrows(BadInputException.class, () -> HfTokenizer.load(dir));
        assertTrue(malformed.getMessage().contains("tokenizer.json"), malformed.getMessage());
    }

    @Test
    void promptTemplateRequiresOnePlaceholderAndRoundTrips() {
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("no placeholder"));
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{prompt} {prompt}"));
        PromptTemplate p = new PromptTemplate("Q: {prompt}\nA: ");
        assertEquals("Q: 2+2\nA: ", p.render("2+2"));
        p.writeTo(dir);
        assertEquals(p, PromptTemplate.readFrom(dir).orElseThrow());
    }
}
