package dev.r1j.rewards.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads JSON Lines (optionally gzipped): one object a line, blank lines skipped, errors with file and line. */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One parsed line and where it came from. */
    public record Line(Path file, long number, JsonNode json) {

        /** A required string field. */
        public String text(String field) {
            JsonNode n = json.get(field);
            if (n == null || n.isNull()) {
                throw BadInputException.at(file, number, field, "is missing");
            }
            if (!n.isTextual() && !n.isNumber()) {
                throw BadInputException.at(file, number, field, "must be a string, was " + n.getNodeType().name().toLowerCase());
            }
            return n.asText();
        }

        /** An optional string field, or null. */
        public String optionalText(String field) {
            JsonNode n = json.get(field);
            return n == null || n.isNull() ? null : text(field);
        }

        public BadInputException error(String field, String problem) {
            return BadInputException.at(file, number, field, problem);
        }
    }

    private JsonLines() {}

    /** Every line of {@code file} ({@code .gz} decompressed). */
    public static List<Line> read(Path file) {
        try (InputStream in = open(file)) {
            return read(in, file);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
    }

    /** Every line of a stream; {@code name} is used in messages. */
    public static List<Line> read(InputStream in, Path name) {
        List<Line> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String text;
            long n = 0;
            while ((text = r.readLine()) != null) {
                n++;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw BadInputException.at(name, n, null, "not valid JSON: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) {
                    throw BadInputException.at(name, n, null, "must be a JSON object");
                }
                out.add(new Line(name, n, node));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
        return out;
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /** A classpath resource of this library, gzipped. */
    public static List<Line> resource(String path) {
        InputStream in = JsonLines.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing bundled resource " + path);
        }
        try (InputStream gz = new GZIPInputStream(in, 1 << 16)) {
            return read(gz, Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
