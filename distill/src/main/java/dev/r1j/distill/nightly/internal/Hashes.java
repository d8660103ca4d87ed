package dev.r1j.distill.nightly.internal;

import dev.r1j.common.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** SHA-256 of files and of the files of a directory. */
public final class Hashes {

    private Hashes() {}

    /** The SHA-256 of one file, hex. */
    public static String sha256(Path file) {
        return Sha256.ofFiles(file);
    }

    /** Every regular file under {@code dir} (relative path with '/', sorted) and its SHA-256; {@code skip} names excluded at the top level. */
    public static Map<String, String> ofDirectory(Path dir, String... skip) {
        Map<String, String> out = new TreeMap<>();
        java.util.Set<String> skipped = java.util.Set.of(skip);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    String rel = dir.relativize(p).toString().replace('\\', '/');
                    if (!skipped.contains(rel)) {
                        out.put(rel, sha256(p));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }
}
