package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r1j prompt} on a directory holding only tokenizer files, with a ChatML template in Qwen3's style. */
class PromptCommandTest {

    static final String TEMPLATE = "{%- for message in messages %}"
            + "{%- if message.role == 'system' and not loop.first %}{{ raise_exception('System message must be first') }}{% endif %}"
            + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
            + "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
            + "{%- endif %}";

    @TempDir
    static Path tmp;
    static Path dir;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void tokenizerOnly() throws Exception {
        dir = tmp.resolve("tok");
        tokenizer = CharVocabulary.builder().addCharacters("abcdefghijklmnopqrstuvwxyz?+0123456789 \n")
                .addTokens("<|im_start|>", "<|im_end|>", "<think>", "</think>").writeTo(dir);
        ChatModels.withTemplate(dir, TEMPLATE);
    }

    static Path messages(String name, String json) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, json);
        return f;
    }

    @Test
    void printsTheRenderedTextExactlyWithTheGenerationPromptByDefault() throws Exception {
        Path m = messages("m.json", "[{\"role\": \"system\", \"content\": \"be brief\"},\n {\"role\": \"user\", \"content\": \"2+3?\"}]");
        CliRun r = CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\n2+3?<|im_end|>\n<|im_start|>assistant\n", r.out());
        CliRun off = CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString(), "--no-generation-prompt");
        assertEquals("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\n2+3?<|im_end|>\n", off.out());
    }

    @Test
    void varsAreJsonWhenTheyAreJson() throws Exception {
        Path m = messages("v.json", "[{\"role\": \"user\", \"content\": \"hi\"}]");
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString(), "--var", "enable_thinking=false").out());
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString(), "--var", "enable_thinking=no").out(),
                "the string 'no' is not the boolean false");
    }

    @Test
    void idsAreTheTokensOfTheTextWithMarkersAsSingleIds() throws Exception {
        Path m = messages("i.json", "[{\"role\": \"user\", \"content\": \"hi\"}]");
        CliRun r = CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString(), "--ids");
        assertEquals(0, r.exit(), r.err());
        int[] ids = new ObjectMapper().readValue(r.out(), int[].class);
        String text = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
        assertTrue(Arrays.equals(tokenizer.encode(text), ids), r.out());
        int start = tokenizer.tokenToId("<|im_start|>").getAsInt();
        assertEquals(start, ids[0]);
        assertEquals(2, Arrays.stream(ids).filter(i -> i == start).count());
        assertEquals(text.length() - 2 * ("<|im_start|>".length() - 1) - ("<|im_end|>".length() - 1), ids.length,
                "one id per character, one per marker");
    }

    @Test
    void badMessagesFilesNameFileLineAndField() throws Exception {
        Path notList = messages("obj.json", "{\"role\": \"user\", \"content\": \"hi\"}");
        CliRun r = CliRun.of("prompt", "--model", dir.toString(), "--messages", notList.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(notList.toString()) && r.err().contains("list"), r.err());

        Path noContent = messages("nc.json", "[\n  {\"role\": \"user\", \"content\": \"a\"},\n  {\"role\": \"assistant\"}\n]");
        r = CliRun.of("prompt", "--model", dir.toString(), "--messages", noContent.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(noContent + ":3: field '[1].content'"), r.err());

        Path badRole = messages("br.json", "[{\"role\": 3, \"content\": \"a\"}]");
        r = CliRun.of("prompt", "--model", dir.toString(), "--messages", badRole.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("field '[0].role'") && r.err().contains("string"), r.err());
    }

    @Test
    void aTemplateThatRaisesExitsTwoWithItsMessage() throws Exception {
        Path m = messages("r.json", "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"system\", \"content\": \"b\"}]");
        CliRun r = CliRun.of("prompt", "--model", dir.toString(), "--messages", m.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("System message must be first"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aDirectoryWithoutATemplateIsRefused() throws Exception {
        Path bare = tmp.resolve("bare");
        CharVocabulary.builder().addCharacters("ab").writeTo(bare);
        CliRun r = CliRun.of("prompt", "--model", bare.toString(), "--messages", messages("b.json", "[]").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no chat template"), r.err());
    }
}
