package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --chat and --system on the commands that prompt a model: on when asked, refused where they cannot apply. */
class ChatFlagsTest {

    @TempDir
    static Path tmp;
    static Path withTemplate;
    static Path without;

    @BeforeAll
    static void models() throws Exception {
        without = ChatModels.init(tmp.resolve("plain"));
        withTemplate = ChatModels.withTemplate(ChatModels.init(tmp.resolve("chat")),
                "{% for m in messages %}{{ m.role[0] }}:{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}a:<think>{% endif %}");
    }

    @Test
    void chatRunsThroughTheTemplateWhenAsked() {
        CliRun gen = CliRun.of("generate", "--model", withTemplate.toString(), "--prompt", "1+1", "--chat", "--system", "s",
                "--max-new-tokens", "3");
        assertEquals(0, gen.exit(), gen.err());
        CliRun eval = CliRun.of("eval", "--model", withTemplate.toString(), "--task", "mul2x2", "--n", "2", "--k", "1",
                "--max-new-tokens", "3", "--chat", "--json");
        assertEquals(0, eval.exit(), eval.err());
        assertTrue(eval.out().contains("think_rate"), eval.out());
    }

    @Test
    void chatIsRefusedWhereItCannotApply() {
        CliRun noTemplate = CliRun.of("eval", "--model", without.toString(), "--task", "mul2x2", "--n", "1", "--chat");
        assertEquals(2, noTemplate.exit());
        assertTrue(noTemplate.err().contains("no chat template"), noTemplate.err());
        CliRun systemAlone = CliRun.of("generate", "--model", without.toString(), "--prompt", "x", "--system", "s");
        assertEquals(2, systemAlone.exit());
        assertTrue(systemAlone.err().contains("add --chat"), systemAlone.err());
        CliRun raw = CliRun.of("generate", "--model", withTemplate.toString(), "--prompt", "x", "--raw", "--chat");
        assertEquals(2, raw.exit());
        CliRun forced = CliRun.of("eval", "--model", withTemplate.toString(), "--task", "mul2x2", "--n", "1", "--chat",
                "--opening", "THINK");
        assertEquals(2, forced.exit(), "the template already opens the think block");
        assertTrue(forced.err().contains("opens the think block"), forced.err());
        CliRun traces = CliRun.of("traces", "--model", without.toString(), "--task", "mul2x2", "--n", "1", "--chat",
                "--out", tmp.resolve("t.jsonl").toString());
        assertEquals(2, traces.exit());
    }
}
