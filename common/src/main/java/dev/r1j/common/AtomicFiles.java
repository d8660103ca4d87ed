package dev.r1j.common;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Writes that never leave a half-written file or directory under the target name: content goes to a
 * temporary sibling, is flushed to disk, and is then renamed over the target in one step. A crash
 * leaves either the old content or the new, plus possibly a temporary named {@code .NAME.tmp-*}.
 */
public final class AtomicFiles {

    /** Writes to an output stream; may throw {@link IOException}. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Writes to a file channel positioned at the start of an empty file; may throw {@link IOException}. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /** Fills a directory; may throw {@link IOException}. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void write(Path directory) throws IOException;
    }

    private AtomicFiles() {}

    /** Atomically replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with what {@code writer} writes. */
    public static void write(Path target, StreamWriter writer) {
        writeChannel(target, ch -> {
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            writer.write(out);
            out.flush();
        });
    }

    /**
     * Atomically replaces {@code target} with what {@code writer} writes to a file channel: for writers
     * that hand over buffers outside the Java heap (engine arrays, memory mappings) without copying
     * them into byte arrays.
     */
    public static void writeChannel(Path target, ChannelWriter writer) {
        Path dir = parentOf(target);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createFile(uniqueSibling(dir, "." + target.getFileName() + ".tmp-"));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writer.write(ch);
                ch.force(true);
            }
            move(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Replaces directory {@code target} with one that {@code writer} fills. The new directory is
     * written beside the target and renamed into place; an existing target is first renamed aside to
     * {@code .NAME.old-*} and deleted after the swap. At every moment the complete old directory or the
     * complete new one is under {@code target}, except for the instant between the two renames, after
     * which a crash leaves the old one under its {@code .old-} name.
     */
    public static void replaceDirectory(Path target, DirectoryWriter writer) {
        Path parent = parentOf(target);
        Path tmp = null;
        Path old = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createDirectory(uniqueSibling(parent, "." + target.getFileName() + ".tmp-"));
            writer.write(tmp);
            fsyncDirectoryEntries(tmp);
            if (Files.exists(target)) {
                old = parent.resolve("." + target.getFileName() + ".old-" + System.nanoTime());
                move(target, old);
            }
            move(tmp, target);
            tmp = null;
        } catch (IOException e) {
            if (old != null && !Files.exists(target)) {
                try {
                    move(old, target); // put the previous version back
                    old = null;
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
            }
            throw new UncheckedIOException("cannot write directory " + target + ": " + e.getMessage(), e);
        } finally {
            deleteRecursivelyQuietly(tmp);
            deleteRecursivelyQuietly(old);
        }
    }

    /**
     * A fresh name in {@code dir}. Created with {@code createFile}/{@code createDirectory}, which honour
     * the process's umask (so a web server or serving user can read what r1j writes, as with any other
     * tool), unlike {@code createTempFile}/{@code createTempDirectory}, which force 0600/0700. Creation
     * fails if the name exists, so two writers never share a temporary.
     */
    private static Path uniqueSibling(Path dir, String prefix) {
        return dir.resolve(prefix + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36));
    }

    private static Path parentOf(Path target) {
        Path abs = target.toAbsolutePath();
        return abs.getParent() == null ? abs.getRoot() : abs.getParent();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void fsyncDirectoryEntries(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a leftover temporary is harmless and visibly named
            }
        }
    }

    /** Deletes a directory tree, ignoring failures (used for temporaries only). */
    public static void deleteRecursivelyQuietly(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
