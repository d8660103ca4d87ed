package dev.r1j.rl.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatPrompt;
import dev.r1j.rl.chat.ChatTemplate;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a model expects a problem to be presented: a format with exactly one {@code {prompt}}
 * placeholder and, in the chat form, the model's chat template around it (the formatted problem is
 * the user's message, after an optional system message, followed by the generation prompt). A model
 * directory carries its own template in {@code prompt_template.json}: {@code format}, and
 * {@code chat: true} with an optional {@code system} and {@code variables} for the chat form. Chat is
 * never chosen silently: a model's chat template is used only when asked for.
 *
 * @param format the text around the prompt, e.g. {@code "Question: {prompt}\nAnswer: "}
 * @param chat the chat form, when the problem goes through the model's chat template
 */
public record PromptTemplate(String format, Optional<ChatPrompt> chat) {

    public static final String PLACEHOLDER = "{prompt}";
    public static final String FILE = "prompt_template.json";

    /** R1-Zero style: the model may think inside {@code <think>} tags, then answers inside {@code <answer>} tags. */
    public static final PromptTemplate DEFAULT = new PromptTemplate("Question: {prompt}\nAnswer: ");

    private static final Set<String> FIELDS = Set.of("format", "chat", "system", "variables");

    public PromptTemplate {
        if (format == null) {
            throw new IllegalArgumentException("a prompt template needs a format");
        }
        Objects.requireNonNull(chat, "chat");
        int first = format.indexOf(PLACEHOLDER);
        if (first < 0 || format.indexOf(PLACEHOLDER, first + 1) >= 0) {
            throw new IllegalArgumentException("a prompt template must contain " + PLACEHOLDER
                    + " exactly once, was: " + format);
        }
    }

    /** The plain form: the format alone. */
    public PromptTemplate(String format) {
        this(format, Optional.empty());
    }

    /** The chat form: {@code format} makes the user's message, which goes through {@code chat}. */
    public static PromptTemplate chat(String format, ChatPrompt chat) {
        return new PromptTemplate(format, Optional.of(chat));
    }

    /** The template with {@code prompt} in place of the placeholder, through the chat template in the chat form. */
    public String render(String prompt) {
        String user = format.replace(PLACEHOLDER, prompt);
        return chat.map(c -> c.render(user)).orElse(user);
    }

    /** Whether this is the chat form. */
    public boolean isChat() {
        return chat.isPresent();
    }

    /** This template with {@code strftime_now} fixed to {@code date} (the plain form is unchanged). */
    public PromptTemplate withDate(LocalDate date) {
        return chat.map(c -> chat(format, c.withDate(date))).orElse(this);
    }

    /**
     * The template stored in {@code modelDir}, if it has one. A chat form reads the model's chat template
     * beside it; its {@code strftime_now} date is today (UTC) until a run fixes it with {@link #withDate}.
     */
    public static Optional<PromptTemplate> readFrom(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw BadInputException.at(file, 0, null, "must be a JSON object with a format");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw BadInputException.at(file, 0, f, "is not a known field (known: chat, format, system, variables)");
            }
        }
        JsonNode f = n.get("format");
        if (f == null || !f.isTextual()) {
            throw BadInputException.at(file, 0, "format", "must be a string containing " + PLACEHOLDER);
        }
        PromptTemplate plain;
        try {
            plain = new PromptTemplate(f.asText());
        } catch (IllegalArgumentException e) {
            throw BadInputException.at(file, 0, "format", e.getMessage());
        }
        JsonNode chat = n.get("chat");
        if (chat != null && !chat.isNull() && !chat.isBoolean()) {
            throw BadInputException.at(file, 0, "chat", "must be true or false");
        }
        if (chat == null || !chat.asBoolean()) {
            if (n.hasNonNull("system") || n.hasNonNull("variables")) {
                throw BadInputException.at(file, 0, n.hasNonNull("system") ? "system" : "variables",
                        "applies only to the chat form (chat: true)");
            }
            return Optional.of(plain);
        }
        JsonNode system = n.get("system");
        if (system != null && !system.isNull() && !system.isTextual()) {
            throw BadInputException.at(file, 0, "system", "must be a string");
        }
        JsonNode vars = n.get("variables");
        if (vars != null && !vars.isNull() && !vars.isObject()) {
            throw BadInputException.at(file, 0, "variables", "must be an object of template variables");
        }
        ChatTemplate template = ChatTemplate.readFrom(modelDir).orElseThrow(() -> BadInputException.at(file, 0, "chat",
                "the model has no chat template (chat_template in tokenizer_config.json, or chat_template.jinja)"));
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = vars == null || vars.isNull() ? Map.of()
                : new ObjectMapper().convertValue(vars, Map.class);
        return Optional.of(chat(plain.format(), new ChatPrompt(template,
                system == null || system.isNull() ? Optional.empty() : Optional.of(system.asText()), variables,
                LocalDate.now(ZoneOffset.UTC))));
    }

    /** Writes {@code prompt_template.json} into {@code modelDir}, atomically (the chat form without its date). */
    public void writeTo(Path modelDir) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode().put("format", format);
            chat.ifPresent(c -> {
                o.put("chat", true);
                c.system().ifPresent(s -> o.put("system", s));
                if (!c.variables().isEmpty()) {
                    o.set("variables", json.valueToTree(c.variables()));
                }
            });
            AtomicFiles.writeString(modelDir.resolve(FILE), json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
