package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;

import java.util.Locale;

/** The language of a program; a code problem names it in its {@code language} metadata (Python when absent). */
public enum Language {
    /** Python 3, run by the system's {@code python3}. */
    PYTHON,
    /**
     * Java, a single source file run by the JVM's source launcher ({@code java Main.java}); the first
     * top-level class must have the {@code main} method. Stdin/stdout tests only.
     */
    JAVA;

    /**
     * The language named {@code name} ("python", "java", case-insensitive; null means Python).
     *
     * @throws BadInputException naming the field {@code language} for any other name
     */
    public static Language fromMetadata(String problemId, String name) {
        if (name == null) {
            return PYTHON;
        }
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "python", "python3", "py" -> PYTHON;
            case "java" -> JAVA;
            default -> throw BadInputException.at(null, 0, "language", "problem " + problemId + ": '" + name
                    + "' is not supported; use 'python' or 'java'");
        };
    }
}
