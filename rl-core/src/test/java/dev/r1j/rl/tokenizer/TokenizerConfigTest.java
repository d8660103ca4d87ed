package dev.r1j.rl.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatFixtures;
import dev.r1j.rl.chat.ChatMessage;
import dev.r1j.rl.chat.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer_config.json as real checkpoints ship it, and the real Qwen3 tokenizer on rendered chat text. */
class TokenizerConfigTest {

    @TempDir
    Path tmp;

    @Test
    void readsAddedTokenObjectsAsDeepSeekShipsThem() {
        TokenizerConfig c = TokenizerConfig.readFrom(ChatFixtures.dir("deepseek_v3", tmp.resolve("ds")));
        assertEquals("<｜begin▁of▁sentence｜>", c.specialTokens().get("bos_token"));
        assertEquals("<｜end▁of▁sentence｜>", c.specialTokens().get("eos_token"));
        assertEquals("<｜end▁of▁sentence｜>", c.specialTokens().get("pad_token"));
        assertFalse(c.specialTokens().containsKey("unk_token"), "null tokens are not set");
        assertTrue(c.chatTemplate().isPresent());
    }

    @Test
    void readsAddedTokensDecoderAndStringTokens() {
        TokenizerConfig q = TokenizerConfig.readFrom(ChatFixtures.dir("qwen3", tmp.resolve("q")));
        assertEquals(new TokenizerConfig.AddedToken("<|im_start|>", true), q.addedTokens().get(151644));
        assertEquals(new TokenizerConfig.AddedToken("<think>", false), q.addedTokens().get(151667));
        assertEquals("<|im_end|>", q.specialTokens().get("eos_token"));
        assertFalse(q.specialTokens().containsKey("bos_token"), "Qwen3's bos_token is null");
        assertTrue(q.additionalSpecialTokens().contains("<|im_start|>"));
        TokenizerConfig l = TokenizerConfig.readFrom(ChatFixtures.dir("llama3_1", tmp.resolve("l")));
        assertEquals(256, l.addedTokens().size());
        assertEquals("<|eot_id|>", l.addedTokens().get(128009).content());
    }

    @Test
    void malformedTokensNameTheField() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(d.resolve(TokenizerConfig.FILE), "{\"eos_token\": {\"__type\": \"AddedToken\"}}");
        BadInputException e = assertThrows(BadInputException.class, () -> TokenizerConfig.readFrom(d));
        assertTrue(e.getMessage().contains("eos_token"), e.getMessage());
        Files.writeString(d.resolve(TokenizerConfig.FILE), "{\"added_tokens_decoder\": {\"x\": {\"content\": \"a\"}}}");
        e = assertThrows(BadInputException.class, () -> TokenizerConfig.readFrom(d));
        assertTrue(e.getMessage().contains("added_tokens_decoder.x"), e.getMessage());
    }

    @Test
    void addedTokenEosIsFoundByItsContent() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("bpe"));
        Files.copy(HfTokenizerTest.bpe(), d.resolve("tokenizer.json"));
        String bpe = Files.readString(d.resolve("tokenizer.json"));
        assertTrue(bpe.contains("\"hello\""), "the fixture has the token 'hello'");
        Files.writeString(d.resolve(TokenizerConfig.FILE),
                "{\"eos_token\": {\"__type\": \"AddedToken\", \"content\": \"hello\", \"lstrip\": false}}");
        assertEquals(12, HfTokenizer.load(d).eosId());
    }

    @Test
    void specialTokensOfRenderedQwen3ChatEncodeAsSingleIds() {
        Path d = ChatFixtures.dir("qwen3", tmp.resolve("qwen3"));
        HfTokenizer tok = HfTokenizer.load(d);
        assertEquals(151645, tok.eosId(), "eos_token <|im_end|>");
        assertEquals(151643, tok.padId(), "pad_token <|endoftext|>");
        String text = ChatTemplate.readFrom(d).orElseThrow().render(List.of(ChatMessage.user("What is 2+3?")), true,
                Map.of("enable_thinking", false), LocalDate.of(2025, 1, 1));
        int[] ids = tok.encode(text);
        int[] markers = Arrays.stream(ids).filter(i -> i >= 151643).toArray();
        // <|im_start|> user ... <|im_end|> \n <|im_start|> assistant \n <think> \n\n </think> \n\n
        assertArrayEquals(new int[] {151644, 151645, 151644, 151667, 151668}, markers);
        assertEquals(151644, ids[0], "the text starts with <|im_start|> as one token");
        assertEquals(text, tok.decode(ids, false), "decoding gives the rendered text back");
    }
}
