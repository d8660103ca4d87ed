package dev.r1j.rl.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import java.nio.file.Path;

/** The JSON objects of model files ({@code config.json}, {@code generation_config.json}, ...), read with errors that name the file and line. */
public final class JsonObjects {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonObjects() {}

    /**
     * {@code json} as a JSON object.
     *
     * @param source names the file in error messages (may be null)
     * @throws BadInputException when the text is not JSON or not an object
     */
    public static ObjectNode parse(String json, Path source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw BadInputException.at(source, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), null,
                    "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.at(source, 0, null, "must be a JSON object");
        }
        return (ObjectNode) root;
    }
}
