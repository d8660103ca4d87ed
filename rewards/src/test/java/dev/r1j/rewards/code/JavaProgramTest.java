package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

@RequiresSandbox
class JavaProgramTest {

    private static final Problem SUM = new Problem("j/sum", "Print the sum of the numbers on stdin.", "",
            TaskKind.CODE, Map.of("language", "java",
                    "tests", "[{\"input\": \"1 2 3\\n\", \"output\": \"6\\n\"}, {\"input\": \"10\\n-4\\n\", \"output\": \"6\"}]"));

    private static CodeReward reward;

    @BeforeAll
    static void build() {
        reward = CodeReward.builder().credit(Credit.FRACTION_OF_TESTS)
                .limits(SandboxLimits.defaults().withWallTime(Duration.ofSeconds(20)).withCpuSeconds(10)).build();
    }

    private static RewardResult score(String completion) {
        return assertTimeoutPreemptively(Duration.ofSeconds(120), () -> reward.score(SUM, completion));
    }

    @Test
    void correctJavaProgramPasses() {
        RewardResult result = score("Solution:\n```java\nimport java.util.*;\n\npublic class Solution {\n"
                + "    public static void main(String[] args) {\n"
                + "        Scanner in = new Scanner(System.in);\n"
                + "        long sum = 0;\n"
                + "        while (in.hasNextLong()) sum += in.nextLong();\n"
                + "        System.out.println(sum);\n"
                + "    }\n}\n```\n");
        assertTrue(result.correct(), result.reason());
        assertEquals(1.0, result.score());
        assertTrue(result.extracted().startsWith("import java.util.*;"), result.extracted());
    }

    @Test
    void wrongAndBrokenJavaProgramsFailWithReasons() {
        RewardResult firstOnly = score("```java\nimport java.util.*;\nclass A { public static void main(String[] a) {"
                + " Scanner in = new Scanner(System.in); System.out.println(in.nextInt() + in.nextInt() + in.nextInt()); } }\n```");
        assertEquals(0.5, firstOnly.score(), 1e-12, firstOnly.reason());
        assertTrue(firstOnly.reason().contains("java.util.NoSuchElementException"), firstOnly.reason());

        RewardResult broken = score("```java\nclass A { public static void main(String[] a) { int x = } }\n```");
        assertEquals(0.0, broken.score());
        assertTrue(broken.reason().contains("test 1 of 2: compilation failed: ") && broken.reason().contains("error:"),
                broken.reason());

        RewardResult escape = score("```java\nclass A { public static void main(String[] a) throws Exception {"
                + " System.out.println(java.nio.file.Files.exists(java.nio.file.Path.of(\"/root\"))"
                + " + \" \" + java.nio.file.Files.exists(java.nio.file.Path.of(\"/work\")));"
                + " new java.net.Socket(\"127.0.0.1\", 22); } }\n```");
        assertEquals(0.0, escape.score());
        assertTrue(escape.reason().contains("got 'false false'") || escape.reason().contains("ConnectException"),
                escape.reason());
    }

    @Test
    void javaProblemsNeedStdioTestsAndLanguagesAreChecked() {
        Problem humanEvalStyle = new Problem("j/he", "p", "", TaskKind.CODE,
                Map.of("language", "java", "test", "t", "entry_point", "f"));
        BadInputException stdioOnly = assertThrows(BadInputException.class, () -> reward.score(humanEvalStyle, "x"));
        assertTrue(stdioOnly.getMessage().contains("field 'tests'"), stdioOnly.getMessage());
        Problem cobol = new Problem("j/c", "p", "", TaskKind.CODE, Map.of("language", "cobol", "tests", "[]"));
        BadInputException unknown = assertThrows(BadInputException.class, () -> reward.score(cobol, "x"));
        assertTrue(unknown.getMessage().contains("field 'language'"), unknown.getMessage());
        assertFalse(unknown.getMessage().isEmpty());
    }
}
