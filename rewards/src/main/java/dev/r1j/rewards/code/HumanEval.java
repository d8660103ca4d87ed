package dev.r1j.rewards.code;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Loads HumanEval (OpenAI, MIT licence) as {@link TaskKind#CODE} problems: id = {@code task_id},
 * prompt = {@code prompt}, answer empty, metadata {@code test}, {@code entry_point} and
 * {@code canonical_solution}.
 */
public final class HumanEval {

    private static final String RESOURCE = "/dev/r1j/rewards/datasets/humaneval/HumanEval.jsonl.gz";
    /** Metadata key of the test code that defines {@code check(candidate)}. */
    public static final String TEST = "test";
    /** Metadata key of the function name passed to {@code check}. */
    public static final String ENTRY_POINT = "entry_point";
    /** Metadata key of the reference solution's body. */
    public static final String CANONICAL_SOLUTION = "canonical_solution";

    private static final List<String> FIELDS = List.of("task_id", "prompt", "canonical_solution", "test", "entry_point");
    private static final ObjectMapper JSON = new ObjectMapper();

    private HumanEval() {
    }

    /** The 164 problems shipped with this library. */
    public static List<Problem> builtin() {
        try (InputStream in = HumanEval.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the HumanEval resource " + RESOURCE + " is missing from the jar");
            }
            return read(in, Path.of(RESOURCE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the HumanEval resource " + RESOURCE, e);
        }
    }

    /**
     * Problems from a HumanEval JSONL file, gzip-compressed or not (recognised by content).
     *
     * @throws BadInputException when the file is missing or a line is not a JSON object with the
     *                           string fields task_id, prompt, canonical_solution, test, entry_point
     */
    public static List<Problem> load(Path jsonlOrGz) {
        if (!Files.isRegularFile(jsonlOrGz)) {
            throw BadInputException.at(jsonlOrGz, 0, null, "no such file");
        }
        try (InputStream in = Files.newInputStream(jsonlOrGz)) {
            return read(in, jsonlOrGz);
        } catch (IOException e) {
            throw BadInputException.at(jsonlOrGz, 0, null, "cannot read: " + e.getMessage());
        }
    }

    private static List<Problem> read(InputStream raw, Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        InputStream content = gzip ? new GZIPInputStream(in) : in;
        BufferedReader reader = new BufferedReader(new InputStreamReader(content, StandardCharsets.UTF_8));
        List<Problem> problems = new ArrayList<>();
        String line;
        long number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            problems.add(parse(line, file, number));
        }
        if (problems.isEmpty()) {
            throw BadInputException.at(file, 0, null, "contains no problems");
        }
        return List.copyOf(problems);
    }

    private static Problem parse(String line, Path file, long number) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw BadInputException.at(file, number, null, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw BadInputException.at(file, number, null, "must be a JSON object");
        }
        for (String field : FIELDS) {
            JsonNode value = node.get(field);
            if (value == null || !value.isTextual()) {
                throw BadInputException.at(file, number, field, value == null ? "missing" : "must be a string");
            }
        }
        if (node.get("task_id").asText().isBlank()) {
            throw BadInputException.at(file, number, "task_id", "must not be empty");
        }
        if (node.get("entry_point").asText().isBlank()) {
            throw BadInputException.at(file, number, "entry_point", "must not be empty");
        }
        return new Problem(node.get("task_id").asText(), node.get("prompt").asText(), "", TaskKind.CODE,
                Map.of("test", node.get("test").asText(),
                        "entry_point", node.get("entry_point").asText(),
                        "canonical_solution", node.get("canonical_solution").asText()));
    }
}
