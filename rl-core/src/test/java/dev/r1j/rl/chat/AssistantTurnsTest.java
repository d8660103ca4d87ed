package dev.r1j.rl.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss mask of chat SFT covers exactly each assistant turn's content and its end token, on real templates. */
class AssistantTurnsTest {

    static final LocalDate DAY = LocalDate.of(2025, 1, 1);

    @TempDir
    Path tmp;

    /** The learned parts of {@code r}, as text. */
    static List<String> learnedText(AssistantTurns.Rendered r) {
        List<String> out = new ArrayList<>();
        r.learned().forEach(s -> out.add(r.text().substring(s[0], s[1])));
        return out;
    }

    /** The runs of learned tokens of {@code e}, decoded. */
    static List<String> learnedRuns(TrainingExample e, HfTokenizer tok) {
        List<String> runs = new ArrayList<>();
        int[] ids = e.tokens();
        boolean[] m = e.learned();
        for (int i = 0; i < ids.length; ) {
            if (!m[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < ids.length && m[j]) {
                j++;
            }
            runs.add(tok.decode(Arrays.copyOfRange(ids, i, j), false));
            i = j;
        }
        return runs;
    }

    @Test
    void qwen3MaskCoversTheAnswerAndImEndOnTheRealTokenizer() {
        Path d = ChatFixtures.dir("qwen3", tmp.resolve("qwen3"));
        HfTokenizer tok = HfTokenizer.load(d);
        ChatTemplate t = ChatTemplate.readFrom(d).orElseThrow();
        List<ChatMessage> m = List.of(ChatMessage.user("What is 2+3?"), ChatMessage.assistant("<think>\nadd\n</think>\n\n5"));
        List<TrainingExample> examples = AssistantTurns.examples(m, t, tok, Map.of(), DAY);
        assertEquals(1, examples.size());
        TrainingExample e = examples.get(0);
        assertEquals(List.of("<think>\nadd\n</think>\n\n5<|im_end|>"), learnedRuns(e, tok));
        int[] ids = e.tokens();
        assertEquals("<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n<think>\nadd\n</think>\n\n5<|im_end|>\n",
                tok.decode(ids, false), "the whole rendering, nothing added");
        int lastLearned = ids.length - 2;
        assertEquals(151645, ids[lastLearned], "the last learned token is <|im_end|>, one id");
        assertTrue(e.learned()[lastLearned] && !e.learned()[ids.length - 1], "the newline after it is not learned");
        assertEquals(151667, ids[e.promptLength()], "learning starts at <think>, right after the assistant header");
    }

    @Test
    void qwen3MultiTurnBecomesOneExamplePerTurnSinceEarlierTurnsRenderDifferently() {
        ChatTemplate t = ChatTemplate.readFrom(ChatFixtures.dir("qwen3", tmp.resolve("q"))).orElseThrow();
        List<ChatMessage> m = List.of(ChatMessage.user("2+3?"), ChatMessage.assistant("<think>\nadd\n</think>\n\n5"),
                ChatMessage.user("4+5?"), ChatMessage.assistant("9"));
        List<AssistantTurns.Rendered> r = AssistantTurns.render(m, t, "<|im_end|>", Map.of(), DAY);
        assertEquals(2, r.size());
        assertEquals(List.of("<think>\nadd\n</think>\n\n5<|im_end|>"), learnedText(r.get(0)));
        assertEquals(List.of("<think>\n\n</think>\n\n9<|im_end|>"), learnedText(r.get(1)));
        assertTrue(r.get(1).text().contains("<|im_start|>assistant\n5<|im_end|>"), "the earlier turn, as context, as the "
                + "whole conversation renders it");
    }

    @Test
    void deepseekAndLlamaLearnEveryAssistantTurnOfOneRendering() {
        ChatTemplate ds = ChatTemplate.readFrom(ChatFixtures.dir("deepseek_v3", tmp.resolve("ds"))).orElseThrow();
        List<ChatMessage> m = List.of(ChatMessage.system("S"), ChatMessage.user("U1"), ChatMessage.assistant("A1"),
                ChatMessage.user("U2"), ChatMessage.assistant("A2"));
        List<AssistantTurns.Rendered> r = AssistantTurns.render(m, ds, "<｜end▁of▁sentence｜>", Map.of(), DAY);
        assertEquals(1, r.size());
        assertEquals(List.of("A1<｜end▁of▁sentence｜>", "A2<｜end▁of▁sentence｜>"), learnedText(r.get(0)));

        ChatTemplate llama = ChatTemplate.readFrom(ChatFixtures.dir("llama3_1", tmp.resolve("l"))).orElseThrow();
        r = AssistantTurns.render(m, llama, "<|eot_id|>", Map.of(), DAY);
        assertEquals(List.of("A1<|eot_id|>", "A2<|eot_id|>"), learnedText(r.get(0)));
        assertFalse(r.get(0).text().substring(0, r.get(0).learned().get(0)[0]).contains("A1"));
    }

    @Test
    void aConversationWithoutAnAssistantTurnIsRefused() {
        ChatTemplate ds = ChatTemplate.readFrom(ChatFixtures.dir("deepseek_v3", tmp.resolve("d2"))).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AssistantTurns.render(List.of(ChatMessage.user("U")), ds, "x", Map.of(), DAY));
        assertTrue(e.getMessage().contains("no assistant turn"), e.getMessage());
    }
}
