package dev.r1j.rl.chat;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.internal.JinjaTemplate;
import dev.r1j.rl.tokenizer.TokenizerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template(messages,
 * tokenize=False)} renders it: the template sees {@code messages} (a list of {@code {role, content}}),
 * {@code add_generation_prompt}, the tokenizer's special tokens ({@code bos_token}, {@code eos_token},
 * ... and {@code additional_special_tokens}) and the caller's variables (such as Qwen3's
 * {@code enable_thinking}); {@code strftime_now} answers the date the caller fixes, never the clock.
 *
 * <p>The template comes from {@code chat_template.jinja} beside the tokenizer when there is one (it
 * takes precedence, as in transformers), else from {@code chat_template} of
 * {@code tokenizer_config.json} (a list of named templates gives the one named {@code default}).
 * Thread-safe.
 */
public final class ChatTemplate {

    public static final String JINJA_FILE = "chat_template.jinja";

    /** Variables the caller cannot set: the rendering sets them. */
    private static final Set<String> RESERVED = Set.of("messages", "add_generation_prompt", "tools", "documents");

    private final String source;
    private final Path origin;
    private final String field;
    private final Map<String, Object> specialTokens;
    private final JinjaTemplate template;

    private ChatTemplate(String source, Path origin, String field, Map<String, Object> specialTokens) {
        this.source = source;
        this.origin = origin;
        this.field = field;
        this.specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        try {
            this.template = new JinjaTemplate(source);
        } catch (IllegalArgumentException e) {
            throw BadInputException.at(origin, 0, field, "chat template: " + e.getMessage());
        }
    }

    /** A template from its source and the tokenizer's special tokens (name to text). */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        return new ChatTemplate(Objects.requireNonNull(source, "source"), null, null, new LinkedHashMap<>(specialTokens));
    }

    /** The template of the tokenizer in {@code modelDir}, if it has one. */
    public static Optional<ChatTemplate> readFrom(Path modelDir) {
        TokenizerConfig config = TokenizerConfig.readFrom(modelDir);
        Map<String, Object> tokens = new LinkedHashMap<>(config.specialTokens());
        if (!config.additionalSpecialTokens().isEmpty()) {
            tokens.put("additional_special_tokens", new ArrayList<>(config.additionalSpecialTokens()));
        }
        Path jinja = modelDir.resolve(JINJA_FILE);
        if (Files.exists(jinja)) {
            try {
                return Optional.of(new ChatTemplate(Files.readString(jinja, StandardCharsets.UTF_8), jinja, null, tokens));
            } catch (IOException e) {
                throw BadInputException.at(jinja, 0, null, "cannot read: " + e.getMessage());
            }
        }
        return config.chatTemplate().map(t -> new ChatTemplate(t, config.file(), "chat_template", tokens));
    }

    /**
     * The conversation as text, with the assistant's opening appended when {@code addGenerationPrompt}.
     * A template that calls {@code raise_exception} (it refuses the conversation) or that the engine cannot
     * run is a {@link BadInputException} with the template's message.
     *
     * @param variables more template variables (JSON-like values: strings, numbers, booleans, lists, maps)
     * @param date what {@code strftime_now} answers (at midnight)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables, LocalDate date) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        for (Map.Entry<String, ?> v : variables.entrySet()) {
            if (RESERVED.contains(v.getKey())) {
                throw new BadInputException("chat template variable '" + v.getKey() + "' is set by the rendering itself; "
                        + "choose another name");
            }
            context.put(v.getKey(), v.getValue());
        }
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            list.add(o);
        }
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        // transformers passes tools and documents, None when the caller gives none (to the engine a None is
        // undefined: `tools is none` and `not tools` hold as in Python, `tools is defined` does not)
        context.put("tools", null);
        context.put("documents", null);
        try {
            return template.render(context, date.atStartOfDay());
        } catch (JinjaTemplate.Failure f) {
            String problem = f.raised() ? "the chat template refused the conversation: " + f.getMessage()
                    : "the chat template could not be rendered" + (f.line() > 0 ? " (template line " + f.line() + ")" : "")
                    + ": " + f.getMessage();
            throw BadInputException.at(origin, 0, field, problem);
        }
    }

    /** The template's Jinja source. */
    public String source() {
        return source;
    }

    /** The special tokens the template sees, by variable name. */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChatTemplate t && t.source.equals(source) && t.specialTokens.equals(specialTokens);
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + specialTokens.hashCode();
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + (origin == null ? "inline" : origin) + "]";
    }
}
