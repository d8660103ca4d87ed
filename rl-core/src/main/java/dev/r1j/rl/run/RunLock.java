package dev.r1j.rl.run;

import dev.r1j.common.BadInputException;
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

    /** Another process holds the lock: the caller pointed at a directory or file in use. */
    public static final class InUseException extends BadInputException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    /**
     * Lock files this JVM holds. A second channel on a locked file must never be opened and closed in
     * the same process: on Linux, closing any descriptor of a file drops all of the process's locks on it.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dir}, creating the directory if needed.
     *
     * @throws InUseException when another process (or this one) holds it, naming its pid
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
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw new InUseException(what + " is in use by another r1j job in this process (pid "
                    + ProcessHandle.current().pid() + "); wait for it to finish or stop it");
        }
        try {
            return open(file, what);
        } catch (RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static RunLock open(Path file, Path what) {
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
                throw new InUseException(what + " is in use by another r1j process"
                        + (owner.isEmpty() ? "" : " (pid " + owner + ")") + "; wait for it to finish or stop it");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new RunLock(file.toAbsolutePath().normalize(), ch, l);
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
        } finally {
            HELD.remove(file);
        }
    }
}
