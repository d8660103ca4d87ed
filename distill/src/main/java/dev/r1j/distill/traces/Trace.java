package dev.r1j.distill.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import java.nio.file.Path;

/**
 * One verified teacher completion and where it came from: a line of a traces file.
 *
 * @param index         position of the problem in the set the traces were made from
 * @param problemId     the problem's id
 * @param prompt        the prompt as the teacher saw it (template applied)
 * @param completion    the teacher's completion
 * @param reward        its reward
 * @param teacher       the teacher reference (directory or builtin:NAME)
 * @param teacherSha256 SHA-256 of the teacher's config and weights
 * @param temperature   sampling temperature
 * @param topP          nucleus mass
 * @param maxNewTokens  completion limit
 * @param seed          sampling seed of the run
 * @param created       ISO-8601 time the trace was written
 */
public record Trace(long index, String problemId, String prompt, String completion, double reward, String teacher,
                    String teacherSha256, double temperature, double topP, int maxNewTokens, long seed, String created) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JSON object, snake_case. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode().put("index", index).put("problem_id", problemId).put("prompt", prompt)
                .put("completion", completion).put("reward", reward).put("teacher", teacher)
                .put("teacher_sha256", teacherSha256).put("temperature", temperature).put("top_p", topP)
                .put("max_new_tokens", maxNewTokens).put("seed", seed).put("created", created);
        return o.toString();
    }

    /** Parses a line written by {@link #toJson()}; a missing or mistyped field names file, line and field. */
    public static Trace parse(String line, Path file, long lineNumber) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw BadInputException.at(file, lineNumber, null, "not JSON: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw BadInputException.at(file, lineNumber, null, "must be a JSON object");
        }
        return new Trace(integer(o, "index", file, lineNumber), text(o, "problem_id", file, lineNumber),
                text(o, "prompt", file, lineNumber), text(o, "completion", file, lineNumber),
                number(o, "reward", file, lineNumber), o.path("teacher").asText(""), o.path("teacher_sha256").asText(""),
                o.path("temperature").asDouble(Double.NaN), o.path("top_p").asDouble(Double.NaN),
                o.path("max_new_tokens").asInt(0), o.path("seed").asLong(0), o.path("created").asText(""));
    }

    private static String text(JsonNode o, String f, Path file, long line) {
        JsonNode v = o.get(f);
        if (v == null || !v.isTextual()) {
            throw BadInputException.at(file, line, f, "must be a string");
        }
        return v.asText();
    }

    private static long integer(JsonNode o, String f, Path file, long line) {
        JsonNode v = o.get(f);
        if (v == null || !v.isIntegralNumber()) {
            throw BadInputException.at(file, line, f, "must be an integer");
        }
        return v.asLong();
    }

    private static double number(JsonNode o, String f, Path file, long line) {
        JsonNode v = o.get(f);
        if (v == null || !v.isNumber()) {
            throw BadInputException.at(file, line, f, "must be a number");
        }
        return v.asDouble();
    }
}
