package dev.r1j.rewards.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeRewardTest {

    static CodeReward reward;

    @BeforeAll
    static void build() {
        assumeTrue(Sandbox.unavailableReason().isEmpty(), "bubblewrap is not usable here");
        reward = CodeReward.builder().workers(2).build();
    }

    @Test
    void allHumanEvalCanonicalSolutionsPassAndEmptyBodiesFail() {
        List<Problem> problems = HumanEval.builtin();
        assertEquals(164, problems.size());
        List<String> canonical = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (Problem p : problems) {
            canonical.add(p.metadata().get(HumanEval.CANONICAL_SOLUTION));
            empty.add("    pass\n");
        }
        List<Problem> both = new ArrayList<>(problems);
        both.addAll(problems);
        List<String> completions = new ArrayList<>(canonical);
        completions.addAll(empty);
        List<RewardResult> results = reward.scoreAll(both, completions);
        for (int i = 0; i < problems.size(); i++) {
            assertTrue(results.get(i).correct(), problems.get(i).id() + ": " + results.get(i).reason());
            assertFalse(results.get(i + problems.size()).correct(), problems.get(i).id() + " with 'pass'");
        }
    }

    static Problem humanEvalStyle() {
        return new Problem("add", "def add(a, b):\n", "", TaskKind.CODE, Map.of(
                HumanEval.TEST, "def check(f):\n    assert f(1, 2) == 3\n    assert f(-1, 1) == 0\n",
                HumanEval.ENTRY_POINT, "add"));
    }

    @Test
    void earlyExitWithStatusZeroFails() {
        Problem p = humanEvalStyle();
        assertTrue(reward.score(p, "    return a + b\n").correct());
        assertFalse(reward.score(p, "    return a + b\nimport sys\nsys.exit(0)\n").correct());
        RewardResult hard = reward.score(p, "    return a + b\nimport os\nos._exit(0)\n");
        assertFalse(hard.correct());
        assertTrue(hard.reason().contains("before the tests"), hard.reason());
        RewardResult wrong = reward.score(p, "    return a - b\n");
        assertFalse(wrong.correct());
        assertTrue(wrong.reason().contains("AssertionError"), wrong.reason());
    }

    @Test
    void codeIsTakenFromTheLastPythonBlock() {
        assertEquals("x = 1\n", CodeReward.extractCode("Here:\n```python\nx = 0\n```\nbetter:\n```python\nx = 1\n```\n"));
        assertEquals("print(2)\n", CodeReward.extractCode("```\nprint(2)\n```"));
        assertEquals("plain", CodeReward.extractCode("plain"));
        assertTrue(CodeReward.sameOutput("1 2 \n3\n\n", "1 2\n3"));
        assertFalse(CodeReward.sameOutput("1 2\n", "1  2\n"));
    }

    @Test
    void stdinStdoutTestsWithPartialCredit() {
        Problem p = new Problem("sum", "Read two numbers, print their sum.", "", TaskKind.CODE, Map.of(CodeReward.TESTS,
                "[{\"input\": \"1 2\\n\", \"output\": \"3\\n\"}, {\"input\": \"5 5\", \"output\": \"10\"},"
                        + " {\"input\": \"-1 1\", \"output\": \"0\"}]"));
        String right = "```python\na, b = map(int, input().split())\nprint(a + b)\n```";
        String positiveOnly = "a, b = map(int, input().split())\nprint(abs(a) + abs(b))";
        assertEquals(1.0, reward.score(p, right).score());
        assertEquals(0.0, reward.score(p, positiveOnly).score(), "all or nothing by default");
        CodeReward partial = CodeReward.builder().workers(1).credit(Credit.FRACTION_OF_TESTS).build();
        assertEquals(2.0 / 3, partial.score(p, positiveOnly).score(), 1e-12);
        assertEquals(0.0, partial.score(p, "import sys\nsys.exit(0)").score());
    }

    @Test
    void humanEvalFilesLoadWithClearErrors(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("he.jsonl");
        Files.writeString(f, "{\"task_id\": \"t/0\", \"prompt\": \"def f():\\n\", \"test\": \"def check(c): pass\", \"entry_point\": \"f\"}\n"
                + "{\"task_id\": \"t/1\", \"prompt\": \"def g():\\n\", \"test\": \"x\", \"entry_point\": \"g; import os\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> HumanEval.load(f));
        assertTrue(e.getMessage().contains("he.jsonl:2: field 'entry_point'"), e.getMessage());
    }
}
