package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.r1j.common.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * A JSON or YAML configuration file (by extension), read section by section with defaults; a field
 * of the wrong type or an unknown field is an error naming the file and the field's path.
 */
final class ConfigFile {

    private final Path file;
    private final JsonNode node;
    private final String path;

    private ConfigFile(Path file, JsonNode node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    static ConfigFile read(Path file) {
        if (!Files.exists(file)) {
            throw BadInputException.at(file, 0, null, "no such file");
        }
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory())
                : new ObjectMapper();
        try {
            JsonNode root = mapper.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw BadInputException.at(file, 0, null, "must hold an object of settings");
            }
            return new ConfigFile(file, root, "");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot parse: " + e.getMessage());
        }
    }

    /** No settings: every read returns its default. */
    static ConfigFile empty() {
        return new ConfigFile(null, new ObjectMapper().createObjectNode(), "");
    }

    /** The sub-object {@code name}, empty when absent. */
    ConfigFile section(String name, Set<String> known) {
        JsonNode n = node.get(name);
        if (n != null && !n.isObject()) {
            throw error(file, where(name), "must be an object");
        }
        ConfigFile c = new ConfigFile(file, n == null ? new ObjectMapper().createObjectNode() : n, where(name));
        c.rejectUnknown(known);
        return c;
    }

    void rejectUnknown(Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw error(file, where(f), "is not a known setting (known: " + new java.util.TreeSet<>(known) + ")");
            }
        }
    }

    int integer(String name, int fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw error(file, where(name), "must be an integer, was " + n);
        }
        return n.asInt();
    }

    long longValue(String name, long fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber()) {
            throw error(file, where(name), "must be an integer, was " + n);
        }
        return n.asLong();
    }

    double number(String name, double fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw error(file, where(name), "must be a number, was " + n);
        }
        return n.asDouble();
    }

    boolean bool(String name, boolean fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw error(file, where(name), "must be true or false, was " + n);
        }
        return n.asBoolean();
    }

    String text(String name, String fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw error(file, where(name), "must be a string, was " + n);
        }
        return n.asText();
    }

    /** {@code name} as one of {@code fallback}'s enum's constants, named in any case, blanks around it ignored; {@code fallback} when absent. */
    <E extends Enum<E>> E choice(String name, E fallback) {
        String value = text(name, fallback.name()).trim();
        E[] values = fallback.getDeclaringClass().getEnumConstants();
        for (E v : values) {
            if (v.name().equalsIgnoreCase(value)) {
                return v;
            }
        }
        throw error(file, where(name), "must be one of " + java.util.Arrays.toString(values) + ", was '" + value + "'");
    }

    /** The object {@code name} read as names mapped to non-negative integers, in file order; {@code fallback} when absent. */
    java.util.Map<String, Integer> counts(String name, java.util.Map<String, Integer> fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isObject() || n.isEmpty()) {
            throw error(file, where(name), "must be a non-empty object of names to counts");
        }
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw error(file, where(name) + "." + e.getKey(), "must be a non-negative integer, was " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }

    /**
     * An error about {@code field} (a dotted path such as {@code grpo.group_size}) of {@code file},
     * located at the line where that field is written, when it can be found.
     */
    static BadInputException error(Path file, String field, String problem) {
        return BadInputException.at(file, field == null ? 0 : lineOf(file, field), field, problem);
    }

    /**
     * The 1-based line of {@code field} in a JSON or YAML file, found by following its path segments as
     * keys ({@code "name":}, {@code name:}) in order of appearance; 0 when the file cannot be read or a
     * segment is not found. Jackson's tree keeps no positions, and a line number is what a person
     * needs to fix a setting.
     */
    static int lineOf(Path file, String field) {
        java.util.List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        int from = 0;
        int found = 0;
        for (String segment : field.split("\\.")) {
            java.util.regex.Pattern key = java.util.regex.Pattern.compile("(^|[\\s{,])(\"" + java.util.regex.Pattern.quote(segment)
                    + "\"|" + java.util.regex.Pattern.quote(segment) + ")\\s*:");
            found = 0;
            for (int i = from; i < lines.size(); i++) {
                if (key.matcher(lines.get(i)).find()) {
                    found = i + 1;
                    from = i;
                    break;
                }
            }
            if (found == 0) {
                return 0;
            }
        }
        return found;
    }

    Path file() {
        return file;
    }

    JsonNode json() {
        return node;
    }

    private String where(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
