package dev.r1j.rl.chat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A problem put to a chat model: as the user's message (after an optional system message), through
 * the model's chat template, ending with the assistant's opening (the generation prompt).
 *
 * @param template the model's chat template
 * @param system the system message, if any
 * @param variables more template variables (such as Qwen3's {@code enable_thinking}); empty by default
 * @param date what {@code strftime_now} answers: fixed per run so a resumed run renders the same prompts
 */
public record ChatPrompt(ChatTemplate template, Optional<String> system, Map<String, Object> variables, LocalDate date) {

    public ChatPrompt {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(date, "date");
        variables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    /** The conversation {@code [system?, user]} with the generation prompt. */
    public String render(String user) {
        return template.render(messages(user), true, variables, date);
    }

    /** The messages {@link #render} renders. */
    public List<ChatMessage> messages(String user) {
        List<ChatMessage> m = new ArrayList<>(2);
        system.ifPresent(s -> m.add(ChatMessage.system(s)));
        m.add(ChatMessage.user(user));
        return m;
    }

    public ChatPrompt withDate(LocalDate newDate) {
        return new ChatPrompt(template, system, variables, newDate);
    }

    public ChatPrompt withSystem(Optional<String> newSystem) {
        return new ChatPrompt(template, newSystem, variables, date);
    }

    public ChatPrompt withVariables(Map<String, Object> newVariables) {
        return new ChatPrompt(template, system, newVariables, date);
    }
}
