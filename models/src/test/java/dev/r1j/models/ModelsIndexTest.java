package dev.r1j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The shipped models are what the index says, byte for byte, complete and small. */
class ModelsIndexTest {

    private static final Path ROOT = root();

    private static Path root() {
        try {
            return Path.of(ModelsIndexTest.class.getClassLoader().getResource("dev/r1j/models/index.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyFileIsIndexedWithItsHash() throws Exception {
        Map<String, String> index = new TreeMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("index.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] p = line.split(" ");
                index.put(p[0], p[1]);
            }
        }
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            for (Path f : s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("index.txt")).toList()) {
                actual.put(ROOT.relativize(f).toString().replace('\\', '/'), sha256(f));
            }
        }
        assertEquals(actual, index, "models/publish rewrites the index; run it after changing a model");
    }

    @Test
    void everyModelIsCompleteAndUnder25Megabytes() throws IOException {
        try (Stream<Path> s = Files.list(ROOT)) {
            for (Path model : s.filter(Files::isDirectory).toList()) {
                for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "provenance.json"}) {
                    assertTrue(Files.exists(model.resolve(f)), model.getFileName() + " lacks " + f);
                }
                long bytes;
                try (Stream<Path> files = Files.list(model)) {
                    bytes = files.mapToLong(f -> f.toFile().length()).sum();
                }
                assertTrue(bytes < 25L * 1024 * 1024, model.getFileName() + " is " + bytes + " bytes");
                assertTrue(Files.readString(model.resolve("provenance.json")).contains("\"command\""),
                        model.getFileName() + ": provenance records the command that made it");
            }
        }
    }

    private static String sha256(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
