package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run config's prompt section: read, recorded with its date, and applied to a model's templates. */
class PromptSettingsTest {

    @TempDir
    Path tmp;

    Path modelWithChatTemplate() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(d.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": "
                + "\"{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}{% if add_generation_prompt %}"
                + "[assistant:{% if enable_thinking is false %}<think></think>{% endif %}{{ strftime_now('%Y-%m-%d') }}]{% endif %}\"}");
        return d;
    }

    @Test
    void readsTheSectionAndRecordsTheDateForResume() throws Exception {
        Path cfg = tmp.resolve("run.yaml");
        Files.writeString(cfg, "model: m\ntask: arith\nprompt:\n  chat: true\n  system: Be brief.\n  variables: {enable_thinking: false}\n");
        GrpoCommand.RunSettings s = GrpoCommand.read(cfg);
        assertTrue(s.prompt().chat());
        assertEquals(Optional.of("Be brief."), s.prompt().system());
        assertEquals(Map.of("enable_thinking", false), s.prompt().variables());
        assertTrue(s.prompt().date().isEmpty());

        PromptSettings fixed = s.prompt().fixDate(LocalDate.of(2025, 3, 4));
        Path saved = tmp.resolve("config.json");
        Files.writeString(saved, GrpoCommand.toJson(new GrpoCommand.RunSettings("m", "arith", 0, 0, s.grpo(), java.util.Optional.empty(), fixed)).toString());
        PromptSettings resumed = GrpoCommand.read(saved).prompt();
        assertEquals(fixed, resumed, "config.json gives the resumed run the same prompt settings, date included");
        assertEquals(resumed, resumed.fixDate(LocalDate.of(2030, 1, 1)), "a recorded date is kept");

        PromptTemplate t = resumed.apply(Optional.empty(), modelWithChatTemplate());
        assertEquals("[system:Be brief.][user:7*8][assistant:<think></think>2025-03-04]", t.render("7*8"));
    }

    @Test
    void chatIsNeverOnUnlessAsked() throws Exception {
        Path dir = modelWithChatTemplate();
        assertEquals(PromptTemplate.DEFAULT, PromptSettings.PLAIN.apply(Optional.empty(), dir));
        PromptTemplate own = new PromptTemplate("Q: {prompt}\nA: ");
        assertEquals(own, PromptSettings.PLAIN.apply(Optional.of(own), dir));
        assertFalse(PromptSettings.PLAIN.apply(Optional.of(own), dir).isChat());
    }

    @Test
    void badSettingsNameTheField() throws Exception {
        Path cfg = tmp.resolve("bad.yaml");
        Files.writeString(cfg, "prompt:\n  chat: yes please\n");
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoCommand.read(cfg));
        assertTrue(e.getMessage().contains("prompt.chat"), e.getMessage());
        Files.writeString(cfg, "prompt:\n  sytem: x\n");
        e = assertThrows(BadInputException.class, () -> GrpoCommand.read(cfg));
        assertTrue(e.getMessage().contains("prompt.sytem"), e.getMessage());
        Files.writeString(cfg, "prompt:\n  system: x\n");
        PromptSettings noChat = GrpoCommand.read(cfg).prompt();
        e = assertThrows(BadInputException.class, () -> noChat.apply(Optional.empty(), tmp));
        assertTrue(e.getMessage().contains("prompt.chat: true"), e.getMessage());
        Path noTemplate = Files.createDirectories(tmp.resolve("plain"));
        PromptSettings chat = new PromptSettings(true, Optional.empty(), Map.of(), Optional.empty());
        e = assertThrows(BadInputException.class, () -> chat.apply(Optional.empty(), noTemplate));
        assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
    }
}
