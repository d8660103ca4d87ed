package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

@RequiresSandbox
class CodeRewardTest {

    private static final Problem ADD = new Problem("t/add", "def add(a, b):\n    \"\"\"Sum of a and b.\"\"\"\n", "",
            TaskKind.CODE, Map.of("entry_point", "add",
                    "test", "def check(candidate):\n    assert candidate(2, 3) == 5, 'add(2, 3) should be 5'\n"
                            + "    assert candidate(-1, 1) == 0\n"));

    private static final Problem DOUBLE_STDIO = new Problem("t/double", "Read n, print 2n.", "", TaskKind.CODE,
            Map.of("tests", "[{\"input\": \"1\\n\", \"output\": \"2\\n\"},"
                    + " {\"input\": \"5\\n\", \"output\": \"10\"},"
                    + " {\"input\": \"7\\n\", \"output\": \"14\\n\"}]"));

    private static CodeReward reward;

    @BeforeAll
    static void build() {
        reward = CodeReward.builder().limits(SandboxLimits.defaults().withWallTime(Duration.ofSeconds(2))
                .withCpuSeconds(2)).build();
    }

    private static RewardResult score(Problem problem, String completion) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> reward.score(problem, completion));
    }

    @Test
    void correctCompletionPasses() {
        RewardResult result = score(ADD, "    return a + b\n");
        assertTrue(result.correct(), result.reason());
        assertEquals(1.0, result.score());
        assertEquals("all tests passed", result.reason());
        assertEquals("    return a + b\n", result.extracted());
    }

    @Test
    void fencedFullFunctionIsExtractedAndPasses() {
        RewardResult result = score(ADD, "Here is my answer:\n```python\ndef add(a, b):\n    return b + a\n```\nDone.");
        assertTrue(result.correct(), result.reason());
        assertEquals("def add(a, b):\n    return b + a\n", result.extracted());
    }

    @Test
    void failingAssertionGivesTheErrorLine() {
        RewardResult result = score(ADD, "    return a - b\n");
        assertFalse(result.correct());
        assertEquals(0.0, result.score());
        assertEquals("AssertionError: add(2, 3) should be 5", result.reason());
    }

    @Test
    void exitingBeforeTheTestsRanFails() {
        for (String completion : List.of("    return a + b\nimport sys\nsys.exit(0)\n",
                "    return a + b\nimport os\nos._exit(0)\n",
                "    return a + b\nraise SystemExit\n",
                "    return a + b\nimport sys, io\nsys.stdout = io.StringIO()\nimport atexit\natexit.register(lambda: None)\nexit()\n")) {
            RewardResult result = score(ADD, completion);
            assertFalse(result.correct(), completion);
            assertEquals("exited before the tests ran", result.reason(), completion);
        }
    }

    @Test
    void timeoutAndSyntaxErrorsAreExplained() {
        RewardResult slow = score(ADD, "    import time\n    time.sleep(60)\n");
        assertFalse(slow.correct());
        assertEquals("timeout after 2 s", slow.reason());

        RewardResult spin = score(ADD, "    while True:\n        pass\n");
        assertFalse(spin.correct());
        assertTrue(spin.reason().equals("CPU limit of 2 s exceeded") || spin.reason().equals("timeout after 2 s"),
                spin.reason());

        RewardResult broken = score(ADD, "    return a +\n");
        assertFalse(broken.correct());
        assertTrue(broken.reason().startsWith("SyntaxError"), broken.reason());

        RewardResult empty = score(ADD, "");
        assertFalse(empty.correct());
        assertFalse(empty.reason().isEmpty());
    }

    @Test
    void hostileCompletionsGetAVerdictAndLaterRunsWork() {
        for (String completion : List.of("    import os\n    os.kill(os.getppid(), 9)\n",
                "    import os\n    os.kill(-1, 9)\n", "    print('x' * 10**8)\n", "\u0000\ud800 garbage ```")) {
            RewardResult result = score(ADD, completion);
            assertFalse(result.correct(), completion);
        }
        assertTrue(score(ADD, "    return a + b\n").correct());
    }

    @Test
    void stdinStdoutAllOrNothing() {
        RewardResult right = score(DOUBLE_STDIO, "```python\nn = int(input())\nprint(2 * n)   \n```");
        assertTrue(right.correct(), right.reason());
        assertEquals(1.0, right.score());
        assertEquals("3 of 3 tests passed", right.reason());

        RewardResult wrong = score(DOUBLE_STDIO, "import sys\nn = int(sys.stdin.read())\nprint(2 * n if n < 5 else n)\n");
        assertFalse(wrong.correct());
        assertEquals(0.0, wrong.score());
        assertEquals("test 2 of 3: wrong output (expected '10', got '5')", wrong.reason());
    }

    @Test
    void stdinStdoutFractionOfTests() {
        CodeReward partial = CodeReward.builder().credit(Credit.FRACTION_OF_TESTS).build();
        RewardResult result = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> partial.score(DOUBLE_STDIO,
                "n = int(input())\nif n == 5:\n    raise ValueError('five')\nprint(2 * n)\n"));
        assertFalse(result.correct());
        assertEquals(2.0 / 3.0, result.score(), 1e-12);
        assertEquals("2 of 3 tests passed; test 2 of 3: ValueError: five", result.reason());
    }

    @Test
    void stdinStdoutEarlyExitWithTheRightOutputIsFineButNonZeroExitIsNot() {
        assertTrue(score(DOUBLE_STDIO, "import sys\nprint(2 * int(input()))\nsys.exit(0)\n").correct());
        RewardResult failed = score(DOUBLE_STDIO, "import sys\nprint(2 * int(input()))\nsys.exit(3)\n");
        assertFalse(failed.correct());
        assertEquals("test 1 of 3: exit code 3", failed.reason());
    }

    @Test
    void scoreAllKeepsOrderAndScoreIsThreadSafe() throws Exception {
        List<Problem> problems = new ArrayList<>(Collections.nCopies(6, ADD));
        List<String> completions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            completions.add(i % 2 == 0 ? "    return a + b\n" : "    return a * b\n");
        }
        CodeReward parallel = CodeReward.builder().workers(3).build();
        List<RewardResult> results = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> parallel.scoreAll(problems, completions));
        for (int i = 0; i < 6; i++) {
            assertEquals(i % 2 == 0, results.get(i).correct(), "result " + i);
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<RewardResult>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String completion = completions.get(i % 6);
                futures.add(threads.submit(() -> reward.score(ADD, completion)));
            }
            for (int i = 0; i < 8; i++) {
                assertEquals(i % 2 == 0, futures.get(i).get().correct(), "concurrent result " + i);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void badProblemsAndArgumentsAreTheCallersError() {
        Problem math = Problem.of("m/1", "1+1", "2", TaskKind.MATH);
        assertThrows(BadInputException.class, () -> reward.score(math, "2"));
        Problem noTest = new Problem("c/1", "def f():\n", "", TaskKind.CODE, Map.of("entry_point", "f"));
        BadInputException missing = assertThrows(BadInputException.class, () -> reward.score(noTest, "    pass"));
        assertTrue(missing.getMessage().contains("field 'test'") && missing.getMessage().contains("c/1"),
                missing.getMessage());
        Problem badTests = new Problem("c/2", "p", "", TaskKind.CODE, Map.of("tests", "[{\"input\": 1}]"));
        BadInputException malformed = assertThrows(BadInputException.class, () -> reward.score(badTests, "pass"));
        assertTrue(malformed.getMessage().contains("field 'tests'"), malformed.getMessage());
        assertThrows(BadInputException.class, () -> reward.scoreAll(List.of(ADD), List.of()));
        assertThrows(IllegalArgumentException.class, () -> CodeReward.builder().workers(0));
    }

    @Test
    void unsandboxedRunnerIsExplicitAndStillLimited() {
        Sandbox direct = Sandbox.unsandboxed();
        assertFalse(direct.isolated());
        assertTrue(direct.description().startsWith("UNSANDBOXED"));
        CodeReward trusted = CodeReward.builder().sandbox(direct)
                .limits(SandboxLimits.defaults().withWallTime(Duration.ofSeconds(1))).build();
        assertTrue(trusted.score(ADD, "    return a + b\n").correct());
        assertEquals("exited before the tests ran", trusted.score(ADD, "    return a + b\nimport os\nos._exit(0)\n").reason());
        assertEquals("timeout after 1 s", assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> trusted.score(ADD, "    import time\n    time.sleep(30)\n")).reason());
    }

    /** What the sandbox benchmark (and GRPO's batch scoring) relies on: each verdict stays with its completion. */
    @Test
    void parallelScoringKeepsEachVerdictWithItsCompletion() {
        CodeReward parallel = CodeReward.builder().workers(2).limits(SandboxLimits.defaults()
                .withWallTime(Duration.ofSeconds(5)).withCpuSeconds(2)).build();
        List<String> completions = List.of("    return a + b\n", "    return a - b\n", "    return b + a\n",
                "    return a +\n", "    return (a + b) * 1\n", "    raise ValueError()\n");
        List<RewardResult> results = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> parallel.scoreAll(java.util.Collections.nCopies(completions.size(), ADD), completions));
        assertEquals(List.of(true, false, true, false, true, false), results.stream().map(RewardResult::correct).toList());
        assertThrows(IllegalArgumentException.class, () -> SandboxBenchmark.executionsPerSecond(2, 0));
    }
}
