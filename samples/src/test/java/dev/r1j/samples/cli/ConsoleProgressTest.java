package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void logsGetAboutFiftyLinesWithFiguresAndAnEta() {
        StringWriter out = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(out), "grpo: ", false);
        p.started("grpo", 0, 200);
        for (int step = 1; step <= 200; step++) {
            p.step(step, Map.of("acc", 0.5));
        }
        p.note("resumed");
        p.finished();
        String[] lines = out.toString().split("\n");
        assertEquals("grpo: steps 1..200", lines[0]);
        assertEquals(1 + 50 + 1, lines.length, "a line every 4 steps of 200, plus the start and the note");
        assertTrue(lines[1].startsWith("grpo: step 4/200  acc 0.5000  ETA "), lines[1]);
        assertFalse(lines[50].contains("ETA"), "no ETA once done: " + lines[50]);
        assertEquals("grpo: resumed", lines[51]);
    }
}
