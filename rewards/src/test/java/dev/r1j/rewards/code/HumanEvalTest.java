package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HumanEvalTest {

    @Test
    void builtinHasAll164ProblemsWithTheirFields() {
        List<Problem> problems = HumanEval.builtin();
        assertEquals(164, problems.size());
        Problem first = problems.get(0);
        assertEquals("HumanEval/0", first.id());
        assertEquals(TaskKind.CODE, first.kind());
        assertEquals("", first.answer());
        assertEquals("has_close_elements", first.meta("entry_point", null));
        assertTrue(first.meta("test", "").contains("def check(candidate)"));
        assertTrue(first.meta("canonical_solution", "").contains("for idx, elem in enumerate(numbers)"));
        assertEquals("HumanEval/163", problems.get(163).id());
    }

    @Test
    @RequiresSandbox
    void everyCanonicalSolutionPassesAndEveryEmptyBodyFails() {
        List<Problem> problems = HumanEval.builtin();
        List<Problem> twice = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        for (Problem problem : problems) {
            twice.add(problem);
            completions.add(problem.meta("canonical_solution", ""));
            twice.add(problem);
            completions.add("    pass\n");
        }
        CodeReward reward = CodeReward.builder().workers(2).build();
        List<RewardResult> results = assertTimeoutPreemptively(Duration.ofMinutes(5),
                () -> reward.scoreAll(twice, completions));
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < results.size(); i += 2) {
            RewardResult canonical = results.get(i);
            RewardResult empty = results.get(i + 1);
            if (!canonical.correct() || canonical.score() != 1.0) {
                failures.add(twice.get(i).id() + " canonical failed: " + canonical.reason());
            }
            if (empty.correct() || empty.score() != 0.0) {
                failures.add(twice.get(i).id() + " 'pass' body was accepted: " + empty.reason());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void loadsPlainAndGzippedFiles(@TempDir Path dir) throws IOException {
        String line = "{\"task_id\": \"T/0\", \"prompt\": \"def f():\\n\", \"canonical_solution\": \"    return 1\\n\","
                + " \"test\": \"def check(c):\\n    assert c() == 1\\n\", \"entry_point\": \"f\"}\n";
        Path plain = dir.resolve("a.jsonl");
        Files.writeString(plain, line + "\n" + line);
        Path gz = dir.resolve("b.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(line.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2, HumanEval.load(plain).size());
        List<Problem> fromGz = HumanEval.load(gz);
        assertEquals("f", fromGz.get(0).meta("entry_point", null));
    }

    @Test
    void malformedLinesNameFileLineAndField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"task_id\": \"T/0\", \"prompt\": \"p\", \"canonical_solution\": \"s\", \"test\": \"t\", "
                + "\"entry_point\": \"f\"}\n{\"task_id\": \"T/1\", \"prompt\": \"p\", \"test\": \"t\", \"entry_point\": \"f\"}\n");
        BadInputException missing = assertThrows(BadInputException.class, () -> HumanEval.load(file));
        assertTrue(missing.getMessage().contains(file + ":2"), missing.getMessage());
        assertTrue(missing.getMessage().contains("canonical_solution"), missing.getMessage());

        Files.writeString(file, "{not json\n");
        BadInputException broken = assertThrows(BadInputException.class, () -> HumanEval.load(file));
        assertTrue(broken.getMessage().contains(file + ":1"), broken.getMessage());

        Files.writeString(file, "{\"task_id\": 3, \"prompt\": \"p\", \"canonical_solution\": \"s\", \"test\": \"t\", "
                + "\"entry_point\": \"f\"}\n");
        BadInputException typed = assertThrows(BadInputException.class, () -> HumanEval.load(file));
        assertTrue(typed.getMessage().contains("field 'task_id'"), typed.getMessage());

        BadInputException absent = assertThrows(BadInputException.class, () -> HumanEval.load(dir.resolve("none")));
        assertFalse(absent.getMessage().isEmpty());
    }
}
