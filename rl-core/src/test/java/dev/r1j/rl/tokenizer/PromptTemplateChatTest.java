package dev.r1j.rl.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prompt_template.json's chat form: chosen explicitly, round-tripped, the problem as the user's message. */
class PromptTemplateChatTest {

    @TempDir
    Path tmp;

    @Test
    void chatFormWrapsTheProblemThroughTheModelsTemplate() throws Exception {
        Path d = ChatFixtures.dir("qwen3", tmp.resolve("q"));
        Files.writeString(d.resolve(PromptTemplate.FILE), "{\"format\": \"{prompt}\\nAnswer with a number.\", \"chat\": true, "
                + "\"system\": \"Be brief.\", \"variables\": {\"enable_thinking\": false}}");
        PromptTemplate t = PromptTemplate.readFrom(d).orElseThrow();
        assertTrue(t.isChat());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n3+4\nAnswer with a number.<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n", t.render("3+4"));
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        Files.copy(d.resolve(TokenizerConfig.FILE), copy.resolve(TokenizerConfig.FILE));
        t.writeTo(copy);
        PromptTemplate back = PromptTemplate.readFrom(copy).orElseThrow().withDate(t.chat().orElseThrow().date());
        assertEquals(t, back, "written and read back (the date is the run's, not the file's)");
        assertEquals(LocalDate.of(2025, 1, 2), t.withDate(LocalDate.of(2025, 1, 2)).chat().orElseThrow().date());
    }

    @Test
    void thePlainFormIsUnchangedAndChatIsRefusedWithoutATemplate() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("plain"));
        new PromptTemplate("Q: {prompt}\nA: ").writeTo(d);
        PromptTemplate plain = PromptTemplate.readFrom(d).orElseThrow();
        assertFalse(plain.isChat());
        assertEquals("Q: 1\nA: ", plain.render("1"));
        assertEquals(plain, plain.withDate(LocalDate.of(2020, 1, 1)));
        assertFalse(Files.readString(d.resolve(PromptTemplate.FILE)).contains("chat"));

        Files.writeString(d.resolve(PromptTemplate.FILE), "{\"format\": \"{prompt}\", \"chat\": true}");
        BadInputException e = assertThrows(BadInputException.class, () -> PromptTemplate.readFrom(d));
        assertTrue(e.getMessage().contains("'chat'") && e.getMessage().contains("no chat template"), e.getMessage());
        Files.writeString(d.resolve(PromptTemplate.FILE), "{\"format\": \"{prompt}\", \"system\": \"s\"}");
        e = assertThrows(BadInputException.class, () -> PromptTemplate.readFrom(d));
        assertTrue(e.getMessage().contains("chat: true"), e.getMessage());
        Files.writeString(d.resolve(PromptTemplate.FILE), "{\"format\": \"{prompt}\", \"chat_template\": \"x\"}");
        assertThrows(BadInputException.class, () -> PromptTemplate.readFrom(d));
    }
}
