package dev.r1j.rl.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real templates of Qwen3, DeepSeek-V3 and Llama 3.1 against renderings written by reading each
 * template by hand (what transformers' apply_chat_template returns for the same messages).
 */
class ChatTemplateTest {

    static final LocalDate DAY = LocalDate.of(2025, 7, 26);

    @TempDir
    Path tmp;

    ChatTemplate real(String name) {
        return ChatTemplate.readFrom(ChatFixtures.dir(name, tmp.resolve(name))).orElseThrow();
    }

    static String render(ChatTemplate t, List<ChatMessage> m, boolean gen, Map<String, ?> vars) {
        return t.render(m, gen, vars, DAY);
    }

    static final List<ChatMessage> MULTI_TURN = List.of(
            ChatMessage.system("You are helpful."),
            ChatMessage.user("What is 2+3?"),
            ChatMessage.assistant("<think>\nadd\n</think>\n\n5"),
            ChatMessage.user("And 4+4?"));

    @Test
    void qwen3MultiTurnDropsTheReasoningOfEarlierAnswers() {
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+3?<|im_end|>\n"
                        + "<|im_start|>assistant\n5<|im_end|>\n"
                        + "<|im_start|>user\nAnd 4+4?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                render(real("qwen3"), MULTI_TURN, true, Map.of()));
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+3?<|im_end|>\n"
                        + "<|im_start|>assistant\n5<|im_end|>\n"
                        + "<|im_start|>user\nAnd 4+4?<|im_end|>\n",
                render(real("qwen3"), MULTI_TURN, false, Map.of()));
    }

    @Test
    void qwen3WithThinkingOffClosesAnEmptyThinkBlock() {
        List<ChatMessage> m = List.of(ChatMessage.user("Hi"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                render(real("qwen3"), m, true, Map.of("enable_thinking", false)));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                render(real("qwen3"), m, true, Map.of("enable_thinking", true)));
    }

    @Test
    void qwen3FinalAnswerKeepsItsReasoningAndAnEmptyBlockWhenItHasNone() {
        ChatTemplate t = real("qwen3");
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\nA<|im_end|>\n",
                render(t, List.of(ChatMessage.user("Q"), ChatMessage.assistant("<think>\nr\n</think>\n\nA")), false, Map.of()));
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA<|im_end|>\n",
                render(t, List.of(ChatMessage.user("Q"), ChatMessage.assistant("A")), false, Map.of()));
    }

    @Test
    void qwen3TreatsALaterSystemMessageAsATurnAndToolResponsesAsNotTheQuery() {
        List<ChatMessage> m = List.of(ChatMessage.user("first"), ChatMessage.system("late"),
                ChatMessage.user("<tool_response>x</tool_response>"));
        assertEquals("<|im_start|>user\nfirst<|im_end|>\n<|im_start|>system\nlate<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>x</tool_response><|im_end|>\n",
                render(real("qwen3"), m, false, Map.of()));
    }

    @Test
    void deepseekWritesAddedTokenBosAndJoinsSystemMessages() {
        ChatTemplate t = real("deepseek_v3");
        assertEquals("<｜begin▁of▁sentence｜>", t.specialTokens().get("bos_token"));
        assertEquals("<｜begin▁of▁sentence｜>You are helpful.<｜User｜>What is 2+3?"
                        + "<｜Assistant｜><think>\nadd\n</think>\n\n5<｜end▁of▁sentence｜><｜User｜>And 4+4?<｜Assistant｜>",
                render(t, MULTI_TURN, true, Map.of()));
        assertEquals("<｜begin▁of▁sentence｜>A\n\nB<｜User｜>u",
                render(t, List.of(ChatMessage.system("A"), ChatMessage.system("B"), ChatMessage.user("u")), false, Map.of()));
    }

    @Test
    void llamaTrimsContentAndStartsWithBos() {
        ChatTemplate t = real("llama3_1");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                render(t, List.of(ChatMessage.system("  S "), ChatMessage.user("U\n")), true, Map.of()));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|>",
                render(t, List.of(ChatMessage.user("U"), ChatMessage.assistant("A")), false, Map.of()));
    }

    @Test
    void jinjaFileBesideTheConfigTakesPrecedenceAndNamedListsPickDefault() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("named"));
        Files.writeString(d.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": ["
                + "{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D{{ eos_token }}\"}]}");
        assertEquals("D</s>", render(ChatTemplate.readFrom(d).orElseThrow(), List.of(), false, Map.of()));
        Files.writeString(d.resolve(ChatTemplate.JINJA_FILE), "J{{ messages[0].content }}");
        assertEquals("Jx", render(ChatTemplate.readFrom(d).orElseThrow(), List.of(ChatMessage.user("x")), false, Map.of()));

        Path none = Files.createDirectories(tmp.resolve("none"));
        Files.writeString(none.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"R\"}]}");
        BadInputException e = assertThrows(BadInputException.class, () -> ChatTemplate.readFrom(none));
        assertTrue(e.getMessage().contains("chat_template") && e.getMessage().contains("rag"), e.getMessage());
        assertTrue(ChatTemplate.readFrom(Files.createDirectories(tmp.resolve("empty"))).isEmpty());
    }

    static String inline(String source, Map<String, ?> vars) {
        return ChatTemplate.of(source, Map.of("eos_token", "</s>")).render(List.of(ChatMessage.user("a b")), true, vars, DAY);
    }

    @Test
    void trimBlocksAndLstripBlocksAsTransformersSetsThem() {
        assertEquals("x\ny\n", inline("{% if true %}\n    {% if true %}\nx\n    {% endif %}\n{% endif %}\ny\n", Map.of()));
        assertEquals("  a", inline("{% for m in messages %}\n  a{% endfor %}", Map.of()));
        assertEquals("x y", inline("{% if true %}x{% endif %} {% if true %}y{% endif %}", Map.of()),
                "blanks between two tags on one line stay: lstrip_blocks strips from a line's start only");
        assertEquals("a\n  b", inline("a\n  {%+ if true %}b{% endif %}", Map.of()), "{%+ keeps the blanks");
        assertEquals("a\nb", inline("a\n  {# note #}\nb", Map.of()), "a comment line goes, as a block tag's would");
        assertEquals("ab", inline("a \n{#- note -#}\n b", Map.of()));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("name", "é\"q");
        tool.put("args", List.of(1, 2.5, 1e-5, true));
        tool.put("none", null);
        assertEquals("{\"name\": \"é\\\"q\", \"args\": [1, 2.5, 1e-05, true], \"none\": null}",
                inline("{{ t | tojson }}", Map.of("t", tool)));
        assertEquals("{\n  \"a\": [\n    1\n  ]\n}", inline("{{ t | tojson(indent=2) }}", Map.of("t", Map.of("a", List.of(1)))));
        assertEquals("{\"a\": 1.0}", inline("{{ {'a': 1.0} | tojson }}", Map.of()));
    }

    @Test
    void pythonStringMethodsHavePythonSemantics() {
        assertEquals("['a', 'b', '']", inline("{{ \"['\" + 'a>b>'.split('>') | join(\"', '\") + \"']\" }}", Map.of()));
        assertEquals("3|x|a|B|2|ab", inline("{{ 'a.b.c'.split('.') | length }}|{{ '\\n x \\n'.strip() }}|"
                + "{{ '\\n\\na'.lstrip('\\n') }}|{{ 'b'.upper() }}|{{ ' a  b '.split() | length }}|{{ ''.join(['a', 'b']) }}",
                Map.of()));
        assertEquals("True-False", inline("{{ 'True' if 'abc'.startswith('ab') else 'False' }}-"
                + "{{ 'True' if 'abc'.endswith(('x', 'y')) else 'False' }}", Map.of()));
        assertEquals("a-b-c", inline("{{ 'a b c'.replace(' ', '-') }}", Map.of()));
        assertEquals("x|y", inline("{{ t | trim }}|{{ 'xyx' | trim('x') }}", Map.of("t", "\u00a0 x\n")),
                "trim is Python's strip: no-break spaces go, and it takes the characters to strip");
    }

    @Test
    void slicesLoopControlsTestsAndTruthiness() {
        assertEquals("cba|bc", inline("{% for x in ['a','b','c'][::-1] %}{{ x }}{% endfor %}|"
                + "{% for x in ['a','b','c'][1:] %}{{ x }}{% endfor %}", Map.of()));
        assertEquals("ac", inline("{% for x in ['a','b','c','d'] %}{% if x == 'b' %}{% continue %}{% endif %}"
                + "{% if x == 'd' %}{% break %}{% endif %}{{ x }}{% endfor %}", Map.of()));
        assertEquals("undefined,none,empty", inline("{% if nope is not defined %}undefined{% endif %},"
                + "{% if n is none %}none{% endif %},{% if not l %}empty{% endif %}",
                new java.util.HashMap<>(Map.of("l", List.of())) {{ put("n", null); }}));
        assertEquals("[::-1] stays", inline("{{ '[::-1] stays' }}", Map.of()));
    }

    @Test
    void strftimeNowAnswersTheFixedDate() {
        assertEquals("26 Jul 2025", inline("{{ strftime_now('%d %b %Y') }}", Map.of()));
        assertEquals("Saturday, July 26", ChatTemplate.of("{{ strftime_now('%A, %B %-d') }}", Map.of())
                .render(List.of(), false, Map.of(), DAY));
    }

    @Test
    void raiseExceptionIsABadInputWithTheTemplatesMessage() {
        BadInputException e = assertThrows(BadInputException.class, () -> inline(
                "{% if messages[0].role != 'system' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}"
                        + "{% endif %}", Map.of()));
        assertTrue(e.getMessage().contains("Conversation roles must alternate user/assistant"), e.getMessage());
        BadInputException syntax = assertThrows(BadInputException.class, () -> inline("{% if %}", Map.of()));
        assertTrue(syntax.getMessage().contains("could not be rendered"), syntax.getMessage());
        assertThrows(BadInputException.class, () -> inline("x", Map.of("messages", List.of())));
    }

    @Test
    void printedBooleansAndNoneDifferFromPythonAsDocumented() {
        java.util.Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("b", true);
        vars.put("n", null);
        // Python's Jinja prints True and None; no real template prints either.
        assertEquals("true||", inline("{{ b }}|{{ n }}|{{ none }}", vars));
    }

    @Test
    void llamaStyleDateFallsToStrftimeNowWhenItIsDefined() {
        // The opening of Llama 3.2's template: strftime_now is a defined global, as in transformers.
        String src = "{%- if not date_string is defined %}{%- if strftime_now is defined %}"
                + "{%- set date_string = strftime_now(\"%d %b %Y\") %}{%- else %}{%- set date_string = \"26 Jul 2024\" %}"
                + "{%- endif %}{%- endif %}Today Date: {{ date_string }}{% if raise_exception is defined %}!{% endif %}";
        assertEquals("Today Date: 26 Jul 2025!", inline(src, Map.of()));
        assertEquals("Today Date: 1 Jan!", inline(src, Map.of("date_string", "1 Jan")));
    }

    @Test
    void toolsAndDocumentsAreNoneAsTransformersPassesThem() {
        // transformers passes tools=None; to the engine a None is undefined, so `tools is defined` is false
        // where Python says true (the templates here test `is not none` or truthiness, which agree).
        assertEquals(" none falsy", inline("{% if tools is defined %}defined{% endif %} "
                + "{% if documents is none %}none{% endif %} {% if not tools %}falsy{% endif %}", Map.of()));
    }
}
