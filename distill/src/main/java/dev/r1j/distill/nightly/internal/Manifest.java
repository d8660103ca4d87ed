package dev.r1j.distill.nightly.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.CorruptionException;
import dev.r1j.distill.nightly.Stage;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A night's {@code manifest.json}: inputs, each stage's status, outputs with SHA-256, metrics and
 * durations, the gate's decision. Every change is written atomically at once, so the file on disk is
 * always a complete record of what is finished. Output paths are relative to the work directory.
 */
public final class Manifest {

    public static final String FILE = "manifest.json";

    /** A stage's {@code status} in the file: lower-case names. */
    public enum StageStatus {
        /** Not started, or to be run again (its inputs changed). */
        PENDING,
        /** Started and not finished: a run was interrupted here, or is running now. */
        RUNNING,
        /** Finished with its outputs recorded. */
        DONE,
        /** Finished with nothing to do. */
        SKIPPED;

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode root;

    private Manifest(Path file, ObjectNode root) {
        this.file = file;
        this.root = root;
    }

    /** A new manifest for {@code night}, not yet written. */
    public static Manifest create(Path file, String night, ObjectNode inputs) {
        ObjectNode o = JSON.createObjectNode();
        o.put("night", night);
        o.put("r1j_version", Provenance.currentLibraryVersion());
        o.put("status", StageStatus.RUNNING.key());
        o.put("created", Instant.now().toString());
        o.set("inputs", inputs);
        ObjectNode stages = o.putObject("stages");
        for (Stage s : Stage.values()) {
            stages.putObject(s.key()).put("status", StageStatus.PENDING.key()).put("attempts", 0);
        }
        o.putObject("metrics");
        o.putNull("decision");
        return new Manifest(file, o);
    }

    /**
     * Reads a manifest.
     *
     * @throws CorruptionException when the file cannot be read or is not a manifest
     */
    public static Manifest read(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CorruptionException(file, "cannot be read as JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); it was written atomically, so it was changed or damaged after the night wrote it");
        }
        if (n == null || !n.isObject() || !n.path("stages").isObject() || !n.path("inputs").isObject()
                || !n.path("night").isTextual()) {
            throw new CorruptionException(file, "is not a night's manifest (night, inputs or stages missing)");
        }
        return new Manifest(file, (ObjectNode) n);
    }

    public Path file() {
        return file;
    }

    public ObjectNode root() {
        return root;
    }

    public ObjectNode inputs() {
        return (ObjectNode) root.get("inputs");
    }

    public boolean finished() {
        return "finished".equals(root.path("status").asText());
    }

    public ObjectNode stage(Stage s) {
        ObjectNode stages = (ObjectNode) root.get("stages");
        JsonNode n = stages.get(s.key());
        if (n == null || !n.isObject()) {
            n = stages.putObject(s.key()).put("status", StageStatus.PENDING.key()).put("attempts", 0);
        }
        return (ObjectNode) n;
    }

    /**
     * The recorded status of {@code s}.
     *
     * @throws CorruptionException when the manifest holds a status no night writes
     */
    public StageStatus status(Stage s) {
        String st = stage(s).path("status").asText();
        for (StageStatus v : StageStatus.values()) {
            if (v.key().equals(st)) {
                return v;
            }
        }
        throw new CorruptionException(file, "stage " + s.key() + " has status '" + st + "', which no night writes "
                + "(pending, running, done or skipped)");
    }

    /** Sets the status of {@code s} without writing (the next write records it). */
    public void status(Stage s, StageStatus status) {
        stage(s).put("status", status.key());
    }

    /** Whether {@code s} finished (done or skipped) in an earlier run. */
    public boolean stageFinished(Stage s) {
        StageStatus st = status(s);
        return st == StageStatus.DONE || st == StageStatus.SKIPPED;
    }

    /** The recorded outputs of {@code s}: path relative to the work directory, to SHA-256. */
    public Map<String, String> outputs(Stage s) {
        Map<String, String> out = new LinkedHashMap<>();
        stage(s).path("outputs").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** Marks {@code s} as running (one more attempt) and writes the manifest. */
    public void started(Stage s) {
        ObjectNode st = stage(s);
        st.put("status", StageStatus.RUNNING.key()).put("attempts", st.path("attempts").asInt(0) + 1).put("started", Instant.now().toString());
        st.remove("finished");
        write();
    }

    /** Records {@code s} as finished with {@code status} (done or skipped), its outputs, figures and duration, and writes. */
    public void finished(Stage s, StageStatus status, Map<String, String> outputs, ObjectNode figures, String summary,
                         double seconds) {
        if (status != StageStatus.DONE && status != StageStatus.SKIPPED) {
            throw new IllegalArgumentException("a stage finishes done or skipped, not " + status.key());
        }
        ObjectNode st = stage(s);
        st.put("status", status.key()).put("finished", Instant.now().toString()).put("seconds", Math.round(seconds * 100) / 100.0)
                .put("summary", summary);
        ObjectNode o = st.putObject("outputs");
        outputs.forEach(o::put);
        st.set("figures", figures == null ? JSON.createObjectNode() : figures);
        write();
    }

    public ObjectNode metrics() {
        return (ObjectNode) root.get("metrics");
    }

    public JsonNode decision() {
        return root.path("decision");
    }

    public void decision(ObjectNode d) {
        root.set("decision", d);
    }

    /** Marks the night finished with its total of stage seconds, and writes. */
    public void finish() {
        double total = 0;
        for (Stage s : Stage.values()) {
            total += stage(s).path("seconds").asDouble(0);
        }
        root.put("status", "finished").put("finished", Instant.now().toString());
        root.putObject("durations").put("stages_seconds", Math.round(total * 100) / 100.0);
        write();
    }

    public void write() {
        root.put("updated", Instant.now().toString());
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
