package dev.r1j.distill.nightly.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.CorruptionException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The published student. {@code P} (by default {@code WORKDIR/published}) is a symbolic link to a
 * complete release directory {@code P.releases/<night>/}: the student's model files, its serving
 * artifact under {@code serving/}, and a {@code manifest.json} naming the night with every file's
 * SHA-256. A release is assembled beside the others and renamed into place; then a new link is
 * renamed over {@code P} in one step, so {@code P} names a complete, loadable student at every
 * moment, before and after, however the job ends. {@code P.prev} links to the release it replaced;
 * older releases are deleted.
 */
public final class Publisher {

    /** The file in a release that describes it. */
    public static final String MANIFEST = "manifest.json";
    /** The serving artifact's directory inside a release. */
    public static final String SERVING = "serving";

    /** What {@code P/manifest.json} says. */
    public record Published(String night, String studentSha256, Path directory) {}

    private final Path link;

    /** @param publishDir the absolute path of {@code P} */
    public Publisher(Path publishDir) {
        this.link = publishDir.toAbsolutePath().normalize();
    }

    public Path link() {
        return link;
    }

    public Path releases() {
        return link.resolveSibling(link.getFileName() + ".releases");
    }

    public Path previous() {
        return link.resolveSibling(link.getFileName() + ".prev");
    }

    /** Whether anything was ever published here. */
    public boolean exists() {
        return Files.exists(link, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Checks the published release against its manifest.
     *
     * @return what is published, or empty when nothing is
     * @throws CorruptionException naming the first file that is missing or differs, or a link or manifest that is damaged
     */
    public Optional<Published> verify() {
        if (!exists()) {
            return Optional.empty();
        }
        if (!Files.isSymbolicLink(link)) {
            throw new CorruptionException(link, "is not the link to a release that r1j nightly writes (it is a plain "
                    + (Files.isDirectory(link) ? "directory" : "file") + "); move it away and re-run");
        }
        if (!Files.isDirectory(link)) {
            throw new CorruptionException(link, "links to " + target(link) + ", which is missing");
        }
        Path manifest = link.resolve(MANIFEST);
        JsonNode m;
        try {
            m = Manifest.json().readTree(Files.readString(manifest));
        } catch (IOException e) {
            throw new CorruptionException(manifest, "cannot be read as JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (m == null || !m.path("files").isObject() || !m.path("night").isTextual() || !m.path("student_sha256").isTextual()) {
            throw new CorruptionException(manifest, "is not a release manifest (night, student_sha256 or files missing)");
        }
        var it = m.get("files").fields();
        while (it.hasNext()) {
            var e = it.next();
            Path f = link.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                throw new CorruptionException(f, "is missing; " + manifest + " lists it");
            }
            String actual = Hashes.sha256(f);
            if (!actual.equals(e.getValue().asText())) {
                throw new CorruptionException(f, "has SHA-256 " + actual + " but " + manifest + " records "
                        + e.getValue().asText() + " (the published student was changed or damaged)");
            }
        }
        return Optional.of(new Published(m.get("night").asText(), m.get("student_sha256").asText(), currentRelease().orElseThrow()));
    }

    /**
     * Makes {@code studentDir} with {@code servingDir} the published student: assembles the release of
     * {@code night} and swaps the link.
     *
     * @param facts further fields of the release manifest (format, figures)
     * @return the release's manifest fields {@code files} (path to SHA-256)
     */
    public Map<String, String> publish(String night, Path studentDir, Path servingDir, ObjectNode facts) {
        Path release = releases().resolve(night);
        String studentSha = Checkpoint.sha256(studentDir);
        AtomicFiles.replaceDirectory(release, tmp -> {
            for (Path f : list(studentDir)) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, tmp.resolve(f.getFileName().toString()));
                }
            }
            Path serving = Files.createDirectories(tmp.resolve(SERVING));
            for (Path f : list(servingDir)) {
                copyTree(f, serving.resolve(f.getFileName().toString()));
            }
            Map<String, String> files = Hashes.ofDirectory(tmp);
            ObjectNode m = Manifest.json().createObjectNode();
            m.put("night", night).put("published", Instant.now().toString())
                    .put("r1j_version", Provenance.currentLibraryVersion()).put("student_sha256", studentSha)
                    .put("serving_dir", SERVING);
            m.setAll(facts);
            ObjectNode fo = m.putObject("files");
            files.forEach(fo::put);
            Files.writeString(tmp.resolve(MANIFEST), Manifest.json().writeValueAsString(m) + "\n");
            readableByAll(tmp);
        });
        Path before = exists() ? target(link) : null;
        Path relative = link.getParent().relativize(release);
        swapLink(link, relative);
        if (before != null && !before.equals(relative)) {
            swapLink(previous(), before);
        }
        prune(relative, before);
        return Hashes.ofDirectory(release);
    }

    /** The release directory {@code P} points at now, resolved. */
    public Optional<Path> currentRelease() {
        if (!exists() || !Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.of(link.getParent().resolve(target(link)).normalize());
    }

    /** Deletes every release but {@code keep} and {@code alsoKeep} (relative to P's parent). */
    private void prune(Path keep, Path alsoKeep) {
        Path parent = link.getParent();
        for (Path r : list(releases())) {
            Path rel = parent.relativize(r);
            if (!rel.equals(keep) && !rel.equals(alsoKeep) && !r.getFileName().toString().startsWith(".")) {
                AtomicFiles.deleteRecursivelyQuietly(r);
            }
        }
    }

    private static void swapLink(Path link, Path target) {
        Path tmp = link.resolveSibling("." + link.getFileName() + ".new-" + System.nanoTime());
        try {
            Files.createSymbolicLink(tmp, target);
            try {
                Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a visibly named temporary link is harmless
            }
            throw new UncheckedIOException("cannot point " + link + " at " + target + ": " + e.getMessage(), e);
        }
    }

    private static Path target(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the link " + link, e);
        }
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Temporary files are created owner-only; a release is read by servers that may run as other
     * users, so its files become 0644 and its directories 0755 (where the file system has POSIX modes).
     */
    private static void readableByAll(Path root) throws IOException {
        if (!root.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            Files.createDirectories(to);
            for (Path f : list(from)) {
                copyTree(f, to.resolve(f.getFileName().toString()));
            }
        } else {
            Files.copy(from, to);
        }
    }
}
