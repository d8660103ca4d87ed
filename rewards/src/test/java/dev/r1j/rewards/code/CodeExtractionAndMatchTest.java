package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.code.internal.CodeExtractor;
import dev.r1j.rewards.code.internal.OutputMatch;
import dev.r1j.rewards.code.internal.StdioTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeExtractionAndMatchTest {

    @Test
    void plainCompletionIsUsedAsIs() {
        assertEquals("    return 1\n", CodeExtractor.extract("    return 1\n"));
        assertEquals("", CodeExtractor.extract(null));
    }

    @Test
    void lastPythonBlockWins() {
        String text = "First try:\n```python\nx = 1\n```\nBetter:\n```Python\nx = 2\ny = 3\n```\n"
                + "Output:\n```\n3\n```\n";
        assertEquals("x = 2\ny = 3\n", CodeExtractor.extract(text));
        assertEquals("a = 1\n", CodeExtractor.extract("```py\na = 1\n```"));
        assertEquals("a = 1\n", CodeExtractor.extract("```python3\r\na = 1\r\n```"));
    }

    @Test
    void untaggedBlockIsTheFallbackAndOtherLanguagesAreIgnored() {
        assertEquals("print(1)\n", CodeExtractor.extract("```\nprint(1)\n```"));
        String javaOnly = "```java\nclass A {}\n```";
        assertEquals(javaOnly, CodeExtractor.extract(javaOnly));
    }

    @Test
    void javaBlocksAreFoundByTheirTag() {
        String text = "```python\nprint(1)\n```\n```java\nclass A {}\n```\n";
        assertEquals("class A {}\n", CodeExtractor.extract(text, java.util.Set.of("java")));
        assertEquals("print(1)\n", CodeExtractor.extract(text));
    }

    @Test
    void unclosedBlockRunsToTheEnd() {
        assertEquals("def f():\n    return 2\n", CodeExtractor.extract("```python\ndef f():\n    return 2"));
    }

    @Test
    void outputMatchIgnoresTrailingWhitespaceOnly() {
        assertTrue(OutputMatch.matches("1 2\n3\n", "1 2   \r\n3\n\n\n"));
        assertTrue(OutputMatch.matches("10", "10\n"));
        assertTrue(OutputMatch.matches("", "\n  \n"));
        assertFalse(OutputMatch.matches("1 2\n3", " 1 2\n3"));
        assertFalse(OutputMatch.matches("1\n\n2", "1\n2"));
        assertFalse(OutputMatch.matches("12", "1 2"));
    }

    @Test
    void stdioTestsParseAndRejectMalformedJson() {
        List<StdioTest> tests = StdioTest.parse("p", "[{\"input\": \"1\\n\", \"output\": \"2\"}]");
        assertEquals(List.of(new StdioTest("1\n", "2")), tests);
        for (String bad : List.of("", "{}", "[]", "[1]", "[{\"input\": \"1\"}]", "[{\"input\": 1, \"output\": \"2\"}]", "[")) {
            BadInputException e = assertThrows(BadInputException.class, () -> StdioTest.parse("p/7", bad), bad);
            assertTrue(e.getMessage().contains("field 'tests'") && e.getMessage().contains("p/7"), e.getMessage());
        }
    }

    @Test
    void limitsValidateWithTheRuleInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SandboxLimits.defaults().withCpuSeconds(0));
        assertTrue(e.getMessage().contains("cpuSeconds must be at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SandboxLimits.defaults().withWallTime(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> SandboxLimits.defaults().withMaxProcesses(1));
        assertThrows(IllegalArgumentException.class, () -> SandboxLimits.defaults().withAddressSpaceBytes(1000));
        assertThrows(IllegalArgumentException.class, () -> SandboxLimits.defaults().withMaxOutputBytes(10));
        assertThrows(IllegalArgumentException.class, () -> SandboxLimits.defaults().withMaxFileBytes(10));
    }
}
