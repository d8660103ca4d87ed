package dev.r1j.samples.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's Java example is the marked region of GrpoOnGsm8k, which the build compiles. */
class ReadmeExampleTest {

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "README.md not found above " + Path.of("").toAbsolutePath());
        return dir;
    }

    /** The lines between the README:BEGIN and README:END comments, one class indentation removed. */
    static List<String> region(List<String> source) {
        int begin = source.indexOf("    // README:BEGIN");
        int end = source.indexOf("    // README:END");
        assertTrue(begin >= 0 && end > begin, "the README markers are in GrpoOnGsm8k.java");
        List<String> out = new ArrayList<>();
        for (String line : source.subList(begin + 1, end)) {
            out.add(line.startsWith("    ") ? line.substring(4) : line);
        }
        return out;
    }

    /** The body of the README's only ```java block. */
    static List<String> javaBlock(List<String> readme) {
        int begin = readme.indexOf("```java");
        assertTrue(begin >= 0, "the README has a ```java block");
        assertEquals(-1, readme.subList(begin + 1, readme.size()).indexOf("```java"), "one ```java block");
        int end = readme.subList(begin + 1, readme.size()).indexOf("```") + begin + 1;
        return readme.subList(begin + 1, end);
    }

    @Test
    void theReadmeShowsExactlyTheCompiledExample() throws Exception {
        Path root = root();
        List<String> source = Files.readAllLines(
                root.resolve("samples/src/main/java/dev/r1j/samples/examples/GrpoOnGsm8k.java"));
        List<String> readme = Files.readAllLines(root.resolve("README.md"));
        assertEquals(String.join("\n", region(source)), String.join("\n", javaBlock(readme)),
                "README.md's Java example must be GrpoOnGsm8k's README region; copy it over");
    }
}
