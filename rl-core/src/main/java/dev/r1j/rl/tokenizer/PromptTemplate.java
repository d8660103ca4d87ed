package dev.r1j.rl.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a model expects a problem to be presented: a format with exactly one {@code {prompt}}
 * placeholder. A model directory carries its own template in {@code prompt_template.json}.
 *
 * @param format the text around the prompt, e.g. {@code "Question: {prompt}\nAnswer: "}
 */
public record PromptTemplate(String format) {

    public static final String PLACEHOLDER = "{prompt}";
    public static final String FILE = "prompt_template.json";

    /** R1-Zero style: the model may think inside {@code <think>} tags, then answers inside {@code <answer>} tags. */
    public static final PromptTemplate DEFAULT = new PromptTemplate("Question: {prompt}\nAnswer: ");

    public PromptTemplate {
        if (format == null) {
            throw new IllegalArgumentException("a prompt template needs a format");
        }
        int first = format.indexOf(PLACEHOLDER);
        if (first < 0 || format.indexOf(PLACEHOLDER, first + 1) >= 0) {
            throw new IllegalArgumentException("a prompt template must contain " + PLACEHOLDER
                    + " exactly once, was: " + format);
        }
    }

    /** The template with {@code prompt} in place of the placeholder. */
    public String render(String prompt) {
        return format.replace(PLACEHOLDER, prompt);
    }

    /** The template stored in {@code modelDir}, if it has one. */
    public static Optional<PromptTemplate> readFrom(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            JsonNode f = n == null ? null : n.get("format");
            if (f == null || !f.isTextual()) {
                throw BadInputException.at(file, 0, "format", "must be a string containing " + PLACEHOLDER);
            }
            return Optional.of(new PromptTemplate(f.asText()));
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "not valid JSON: " + e.getMessage());
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw BadInputException.at(file, 0, "format", e.getMessage());
        }
    }

    /** Writes {@code prompt_template.json} into {@code modelDir}, atomically. */
    public void writeTo(Path modelDir) {
        try {
            var o = new ObjectMapper().createObjectNode().put("format", format);
            AtomicFiles.writeString(modelDir.resolve(FILE),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
