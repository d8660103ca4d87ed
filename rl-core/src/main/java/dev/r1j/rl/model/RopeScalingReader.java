package dev.r1j.rl.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.common.BadInputException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * Reads a {@code rope_scaling} (or {@code rope_parameters}) object of {@code config.json} into a
 * {@link RopeScaling}, with errors that name the file and the key ({@code rope_scaling.factor}).
 * The type is {@code rope_type}, or the legacy {@code type}; a key the type does not use is refused, since
 * it may carry math r1j would silently skip.
 */
final class RopeScalingReader {

    /** Keys that sit beside the scaling in {@code rope_parameters} and are read by the caller. */
    private static final Set<String> ALWAYS_ALLOWED = Set.of("rope_type", "type", "rope_theta", "partial_rotary_factor");

    private final JsonNode node;
    private final Path source;
    private final String field;

    private RopeScalingReader(JsonNode node, Path source, String field) {
        this.node = node;
        this.source = source;
        this.field = field;
    }

    /**
     * The scaling {@code node} describes; {@code field} names it in messages. Null or JSON null is
     * {@link RopeScaling#NONE}.
     *
     * @throws BadInputException naming {@code source} and the offending key
     */
    static RopeScaling read(JsonNode node, Path source, String field) {
        if (node == null || node.isNull()) {
            return RopeScaling.NONE;
        }
        if (!node.isObject()) {
            throw BadInputException.at(source, 0, field, "must be an object or null, was " + node);
        }
        boolean modern = node.has("rope_type");
        JsonNode typeNode = modern ? node.get("rope_type") : node.get("type");
        String typeField = field + (modern ? ".rope_type" : ".type");
        if (typeNode == null || typeNode.isNull()) {
            throw BadInputException.at(source, 0, field + ".rope_type", "is required (one of " + RopeScaling.SUPPORTED + ")");
        }
        if (!typeNode.isTextual()) {
            throw BadInputException.at(source, 0, typeField, "must be a string, was " + typeNode);
        }
        String type = typeNode.asText();
        if (modern && node.hasNonNull("type") && !node.get("type").asText().equals(type)) {
            throw BadInputException.at(source, 0, field + ".type", "is '" + node.get("type").asText()
                    + "' but rope_type is '" + type + "'; they must agree");
        }
        RopeScalingReader r = new RopeScalingReader(node, source, field);
        try {
            return switch (type) {
                case "default" -> {
                    r.allow(type);
                    yield RopeScaling.NONE;
                }
                case "linear" -> {
                    r.allow(type, "factor");
                    yield new RopeScaling.Linear(r.requiredNumber("factor"));
                }
                case "llama3" -> {
                    r.allow(type, "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings");
                    yield new RopeScaling.Llama3(r.requiredNumber("factor"), r.requiredNumber("low_freq_factor"),
                            r.requiredNumber("high_freq_factor"), r.requiredInt("original_max_position_embeddings"));
                }
                case "yarn" -> {
                    r.allow(type, "factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "mscale",
                            "mscale_all_dim", "attention_factor", "truncate");
                    yield new RopeScaling.Yarn(r.requiredNumber("factor"), r.optionalInt("original_max_position_embeddings"),
                            r.optionalNumber("beta_fast"), r.optionalNumber("beta_slow"), r.optionalNumber("mscale"),
                            r.optionalNumber("mscale_all_dim"), r.optionalNumber("attention_factor"),
                            r.optionalBoolean("truncate", true));
                }
                default -> throw BadInputException.at(source, 0, typeField, "'" + type
                        + "' is not supported; r1j implements rope types " + RopeScaling.SUPPORTED);
            };
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw BadInputException.at(source, 0, field, e.getMessage());
        }
    }

    private void allow(String type, String... keys) {
        Set<String> known = Set.of(keys);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k) && !ALWAYS_ALLOWED.contains(k)) {
                throw BadInputException.at(source, 0, field + "." + k, "is not a parameter of rope type '" + type
                        + "' (it takes " + (keys.length == 0 ? "none" : String.join(", ", keys)) + ")");
            }
        }
    }

    private double requiredNumber(String key) {
        return number(key, required(key));
    }

    private double optionalNumber(String key) {
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? 0 : number(key, n);
    }

    private int requiredInt(String key) {
        return integer(key, required(key));
    }

    private int optionalInt(String key) {
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? 0 : integer(key, n);
    }

    private boolean optionalBoolean(String key, boolean fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw BadInputException.at(source, 0, field + "." + key, "must be true or false, was " + n);
        }
        return n.asBoolean();
    }

    private JsonNode required(String key) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            throw BadInputException.at(source, 0, field + "." + key, "is required");
        }
        return n;
    }

    private double number(String key, JsonNode n) {
        if (!n.isNumber()) {
            throw BadInputException.at(source, 0, field + "." + key, "must be a number, was " + n);
        }
        return n.asDouble();
    }

    private int integer(String key, JsonNode n) {
        // Some configs write integers as 8192.0; any whole number will do.
        if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble()) || Math.abs(n.asDouble()) > Integer.MAX_VALUE) {
            throw BadInputException.at(source, 0, field + "." + key, "must be an integer, was " + n);
        }
        return (int) n.asDouble();
    }
}
