package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a checkpoint came from, kept beside it as {@code provenance.json}.
 *
 * @param libraryVersion the r1j version that wrote it
 * @param created        when it was written
 * @param seed           the seed of the run that made it
 * @param command        how it was made (a command line or a description); may be empty
 * @param parentSha256   {@link Checkpoint#sha256(Path)} of the checkpoint it was trained from, or empty
 *                       for one trained from scratch
 * @param config         the run's configuration as JSON (may be an empty object)
 * @param extra          further facts (data set, steps, metrics), string to string
 */
public record Provenance(String libraryVersion, Instant created, long seed, String command, String parentSha256,
                         JsonNode config, Map<String, String> extra) {

    public static final String FILE = "provenance.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Provenance {
        libraryVersion = libraryVersion == null ? currentLibraryVersion() : libraryVersion;
        created = created == null ? Instant.now() : created;
        command = command == null ? "" : command;
        parentSha256 = parentSha256 == null ? "" : parentSha256;
        config = config == null ? JSON.createObjectNode() : config.deepCopy();
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** A record for a checkpoint made now by this library version. */
    public static Provenance of(long seed, String command, String parentSha256, JsonNode config, Map<String, String> extra) {
        return new Provenance(null, null, seed, command, parentSha256, config, extra);
    }

    @Override
    public JsonNode config() {
        return config.deepCopy();
    }

    /** The version in the rl-core jar's manifest, or "development" when running from classes. */
    public static String currentLibraryVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /** Writes {@code provenance.json} into {@code dir}, atomically. */
    public void writeTo(Path dir) {
        ObjectNode o = JSON.createObjectNode();
        o.put("library", "r1j");
        o.put("library_version", libraryVersion);
        o.put("created", created.toString());
        o.put("seed", seed);
        o.put("command", command);
        o.put("parent_sha256", parentSha256);
        o.set("config", config);
        ObjectNode x = o.putObject("extra");
        extra.forEach(x::put);
        try {
            AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@code provenance.json} from {@code dir}. */
    public static Provenance readFrom(Path dir) {
        Path file = dir.resolve(FILE);
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw BadInputException.at(file, 0, null, "must be a JSON object");
        }
        Instant created;
        try {
            created = Instant.parse(o.path("created").asText());
        } catch (DateTimeParseException e) {
            throw BadInputException.at(file, 0, "created", "must be an ISO-8601 instant, was " + o.get("created"));
        }
        Map<String, String> extra = new LinkedHashMap<>();
        o.path("extra").fields().forEachRemaining(e -> extra.put(e.getKey(), e.getValue().asText()));
        return new Provenance(o.path("library_version").asText("unknown"), created, o.path("seed").asLong(0),
                o.path("command").asText(""), o.path("parent_sha256").asText(""), o.path("config"), extra);
    }
}
