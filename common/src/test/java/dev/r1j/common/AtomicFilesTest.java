package dev.r1j.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path tmp;

    /** What the process's umask gives a plain new file and directory here: the modes r1j's writes must have. */
    private Set<PosixFilePermission> umaskFile() throws Exception {
        return Files.getPosixFilePermissions(Files.createFile(tmp.resolve("plain-file")));
    }

    private Set<PosixFilePermission> umaskDirectory() throws Exception {
        return Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("plain-dir")));
    }

    @Test
    void writesHonourTheUmaskLikeAnyOtherTool() throws Exception {
        Path file = tmp.resolve("report.html");
        AtomicFiles.writeString(file, "<html></html>");
        assertEquals(umaskFile(), Files.getPosixFilePermissions(file));

        Path dir = tmp.resolve("model");
        AtomicFiles.replaceDirectory(dir, d -> Files.writeString(d.resolve("config.json"), "{}"));
        assertEquals(umaskDirectory(), Files.getPosixFilePermissions(dir));
        AtomicFiles.replaceDirectory(dir, d -> Files.writeString(d.resolve("config.json"), "{\"a\": 1}"));
        assertEquals("{\"a\": 1}", Files.readString(dir.resolve("config.json")));
    }

    @Test
    void noTemporaryIsLeftBehind() throws Exception {
        Path file = tmp.resolve("a.json");
        for (int i = 0; i < 3; i++) {
            AtomicFiles.writeString(file, "v" + i);
        }
        AtomicFiles.replaceDirectory(tmp.resolve("d"), d -> Files.writeString(d.resolve("x"), "x"));
        AtomicFiles.replaceDirectory(tmp.resolve("d"), d -> Files.writeString(d.resolve("y"), "y"));
        try (Stream<Path> names = Files.list(tmp)) {
            assertEquals(Set.of("a.json", "d"), names.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()));
        }
        assertEquals("v2", Files.readString(file));
        assertTrue(Files.exists(tmp.resolve("d/y")) && !Files.exists(tmp.resolve("d/x")));
    }
}
