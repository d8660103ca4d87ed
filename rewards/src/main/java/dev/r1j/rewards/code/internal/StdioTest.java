package dev.r1j.rewards.code.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;

import java.util.ArrayList;
import java.util.List;

/** One stdin/stdout test of a code problem. */
public record StdioTest(String input, String output) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses the {@code tests} metadata of problem {@code problemId}: a JSON array of objects with
     * string fields {@code input} and {@code output}.
     */
    public static List<StdioTest> parse(String problemId, String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw bad(problemId, "is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw bad(problemId, "must be a non-empty JSON array of {\"input\": ..., \"output\": ...}");
        }
        List<StdioTest> tests = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode test = root.get(i);
            if (!test.isObject() || !test.path("input").isTextual() || !test.path("output").isTextual()) {
                throw bad(problemId, "element " + i + " must be an object with string fields 'input' and 'output'");
            }
            tests.add(new StdioTest(test.get("input").asText(), test.get("output").asText()));
        }
        return List.copyOf(tests);
    }

    private static BadInputException bad(String problemId, String problem) {
        return BadInputException.at(null, 0, "tests", "problem " + problemId + ": " + problem);
    }
}
