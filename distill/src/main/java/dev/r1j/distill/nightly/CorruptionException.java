package dev.r1j.distill.nightly;

import java.nio.file.Path;

/**
 * A file the night relies on no longer matches what was recorded when it was written: a previous
 * night's output, the published student, or a manifest that cannot be read. The job stops before it
 * changes anything; the published student is never replaced over a damaged work directory.
 */
public final class CorruptionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CorruptionException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The file that failed verification. */
    public Path file() {
        return file;
    }
}
