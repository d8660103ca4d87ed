package dev.r1j.rl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files every training run keeps (DESIGN §2): JSONL logs appended a line a step, and
 * {@code checkpoints/step-N/} directories, complete once their {@code trainer.json} exists. A resumed
 * run cuts its logs back to its checkpoint so they read as one uninterrupted run.
 */
public final class RunDirectory {

    /** The file that marks a checkpoint as complete and holds the trainer's own state. */
    public static final String TRAINER_STATE = "trainer.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunDirectory() {}

    /** {@code runDir/checkpoints/step-N}. */
    public static Path checkpoint(Path runDir, long step) {
        return runDir.resolve("checkpoints").resolve("step-" + step);
    }

    /** The complete checkpoint with the highest step, if any. */
    public static Optional<Path> latestCheckpoint(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
                    .filter(p -> Files.exists(p.resolve(TRAINER_STATE)))
                    .max((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The trainer state of a checkpoint. */
    public static JsonNode trainerState(Path checkpoint) {
        Path file = checkpoint.resolve(TRAINER_STATE);
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Appends {@code line} and a newline, creating the file and its directory if needed. */
    public static void appendLine(Path file, String line) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** Drops the lines of a JSONL log whose {@code step} is past {@code step}. */
    public static void truncateAfter(Path file, long step) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            StringBuilder kept = new StringBuilder();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.append(line).append('\n');
                }
            }
            AtomicFiles.writeString(file, kept.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cut " + file + " back to step " + step, e);
        }
    }

    private static long stepOf(Path p) {
        return Long.parseLong(p.getFileName().toString().substring("step-".length()));
    }
}
