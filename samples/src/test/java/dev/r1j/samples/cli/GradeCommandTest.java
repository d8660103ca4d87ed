package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.code.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradeCommandTest {

    @TempDir
    Path tmp;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    List<JsonNode> verdicts(String text) throws Exception {
        ObjectMapper m = new ObjectMapper();
        return text.lines().map(l -> {
            try {
                return m.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void mathVerdictsInInputOrderWithASummary() throws Exception {
        Path in = tmp.resolve("m.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append("{\"gold\": \"").append(i).append("\", \"pred\": \"so \\\\boxed{").append(i % 2 == 0 ? i : i + 1)
                    .append("}\"}\n");
        }
        Files.writeString(in, sb.toString());
        Path out = tmp.resolve("v.jsonl");
        CliRun r = run("grade", "--task", "math", "--in", in.toString(), "--out", out.toString(), "--workers", "3");
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> v = verdicts(Files.readString(out));
        assertEquals(50, v.size());
        for (int i = 0; i < 50; i++) {
            assertEquals(i + 1, v.get(i).get("line").asInt());
            assertEquals(i % 2 == 0, v.get(i).get("correct").asBoolean(), "line " + (i + 1));
        }
        assertTrue(r.err().contains("graded 50: 25 correct (50.0%)"), r.err());
    }

    @Test
    void gsm8kAndStrictMode() throws Exception {
        Path in = tmp.resolve("g.jsonl");
        Files.writeString(in, "{\"answer\": \"3 + 4 = 7\\n#### 7\", \"pred\": \"I get 7\"}\n"
                + "{\"answer\": \"#### 1,200\", \"pred\": \"The answer is 1200.\"}\n");
        CliRun lenient = run("grade", "--task", "gsm8k", "--in", in.toString());
        assertEquals(List.of(true, true), verdicts(lenient.out()).stream().map(n -> n.get("correct").asBoolean()).toList());
        CliRun strict = run("grade", "--task", "gsm8k", "--in", in.toString(), "--strict");
        assertEquals(List.of(false, true), verdicts(strict.out()).stream().map(n -> n.get("correct").asBoolean()).toList());
    }

    @Test
    void countdownAcceptsBothNumberForms() throws Exception {
        Path in = tmp.resolve("c.jsonl");
        Files.writeString(in, "{\"numbers\": [3, 7, 25, 50], \"target\": 175, \"pred\": \"<answer>(50-25)*7</answer>\"}\n"
                + "{\"numbers\": \"3,7,25,50\", \"target\": \"175\", \"pred\": \"<answer>7*25+7-7</answer>\"}\n");
        CliRun r = run("grade", "--task", "countdown", "--in", in.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(true, false), verdicts(r.out()).stream().map(n -> n.get("correct").asBoolean()).toList());
    }

    @Test
    void codeRunsInTheSandbox() throws Exception {
        // Skipped only off CI: under CI a lost sandbox must fail, not pass by skipping.
        assumeTrue(sandboxWorks() || System.getenv("CI") != null, "no sandbox here: apt-get install bubblewrap procps python3-minimal");
        Path in = tmp.resolve("code.jsonl");
        Files.writeString(in, "{\"prompt\": \"def add(a, b):\\n\", \"test\": \"def check(f):\\n    assert f(2, 3) == 5\\n\", "
                + "\"entry_point\": \"add\", \"completion\": \"    return a + b\\n\"}\n"
                + "{\"prompt\": \"def add(a, b):\\n\", \"test\": \"def check(f):\\n    assert f(2, 3) == 5\\n\", "
                + "\"entry_point\": \"add\", \"completion\": \"    import os; os._exit(0)\\n\"}\n");
        CliRun r = run("grade", "--task", "code", "--in", in.toString(), "--workers", "2");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(true, false), verdicts(r.out()).stream().map(n -> n.get("correct").asBoolean()).toList());
    }

    private static boolean sandboxWorks() {
        try {
            Sandbox.detect();
            return true;
        } catch (dev.r1j.rewards.code.SandboxUnavailableException e) {
            return false;
        }
    }

    @Test
    void malformedInputNamesFileLineAndFieldAndWritesNothing() throws Exception {
        Path in = tmp.resolve("bad.jsonl");
        Path out = tmp.resolve("out.jsonl");
        Files.writeString(in, "{\"gold\": \"1\", \"pred\": \"1\"}\n\n{\"gold\": \"2\"}\n");
        CliRun r = run("grade", "--task", "math", "--in", in.toString(), "--out", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.jsonl:3: field 'pred'"), r.err());
        assertFalse(Files.exists(out), "nothing is half-written");
        Files.writeString(in, "{\"gold\": \"1\", \"pred\": \"1\"}\nnot json\n");
        assertTrue(run("grade", "--task", "math", "--in", in.toString()).err().contains("bad.jsonl:2"));
        Files.writeString(in, "{\"numbers\": [1, \"x\"], \"target\": 3, \"pred\": \"1+2\"}\n");
        assertTrue(run("grade", "--task", "countdown", "--in", in.toString()).err().contains("field 'numbers'"));
        Files.writeString(in, "{\"answer\": \"no hashes\", \"pred\": \"1\"}\n");
        assertTrue(run("grade", "--task", "gsm8k", "--in", in.toString()).err().contains("field 'answer'"));
        assertEquals(2, run("grade", "--task", "poetry", "--in", in.toString()).exit());
        assertEquals(2, run("grade", "--task", "math", "--in", tmp.resolve("absent").toString()).exit());
    }
}
