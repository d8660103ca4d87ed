package dev.r1j.common;

import java.nio.file.Path;

/**
 * The caller's input is wrong: a file is missing or malformed, a field has a bad value, an argument is
 * out of range. The message names where (file, line, field) and what is wrong, so that a command line
 * can print it as is and exit with status 2. It is never thrown for model output, which verifiers
 * score instead.
 */
public class BadInputException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem in {@code file} (may be null), at 1-based {@code line} (0 when unknown), in {@code field} (may be null). */
    public static BadInputException at(Path file, long line, String field, String problem) {
        StringBuilder where = new StringBuilder();
        if (file != null) {
            where.append(file);
        }
        if (line > 0) {
            where.append(where.length() > 0 ? ":" : "line ").append(line);
        }
        if (field != null && !field.isEmpty()) {
            where.append(where.length() > 0 ? ": " : "").append("field '").append(field).append('\'');
        }
        return new BadInputException(where.length() > 0 ? where + ": " + problem : problem);
    }
}
