package dev.r1j.rl.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a run directory by one process: two trainers writing the same checkpoints would
 * corrupt each other. The lock is an operating-system lock on {@code DIR/.lock}, released when the
 * process ends however it ends, so a crashed run never leaves a stale lock behind; the file holds the
 * owner's pid for the error message.
 */
public final class RunLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dir}, creating the directory if needed.
     *
     * @throws IllegalStateException when another process (or this one) holds it, naming its pid
     */
    public static RunLock acquire(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return lock(dir.resolve(".lock"), dir);
    }

    /** Takes the lock of a single output file, held in {@code FILE.lock} beside it. */
    public static RunLock forFile(Path file) {
        Path abs = file.toAbsolutePath();
        return lock(abs.resolveSibling(abs.getFileName() + ".lock"), file);
    }

    private static RunLock lock(Path file, Path what) {
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                String owner = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
                ch.close();
                throw new IllegalStateException(what + " is in use by another r1j process"
                        + (owner.isEmpty() ? "" : " (pid " + owner + ")") + "; wait for it to finish or stop it");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new RunLock(ch, l);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
