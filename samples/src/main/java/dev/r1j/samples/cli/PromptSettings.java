package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code prompt} section of a run config: how problems are put to the model.
 *
 * @param chat put each problem through the model's chat template as the user's message (default
 *     false; the model's {@code prompt_template.json} may choose it too)
 * @param system a system message before the problem, chat form only (default none)
 * @param variables more chat template variables, e.g. {@code enable_thinking: false} (default none)
 * @param date what the template's {@code strftime_now} answers; a new run fixes it to the day it starts
 *     and records it in its config.json, so a resumed run renders the same prompts
 */
record PromptSettings(boolean chat, Optional<String> system, Map<String, Object> variables, Optional<LocalDate> date) {

    static final Set<String> FIELDS = Set.of("chat", "system", "variables", "date");

    static final PromptSettings PLAIN = new PromptSettings(false, Optional.empty(), Map.of(), Optional.empty());

    PromptSettings {
        variables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    /** The {@code prompt} section of {@code file} (defaults when absent). */
    @SuppressWarnings("unchecked")
    static PromptSettings read(ConfigFile file) {
        ConfigFile p = file.section("prompt", FIELDS);
        JsonNode vars = p.json().get("variables");
        if (vars != null && !vars.isNull() && !vars.isObject()) {
            throw ConfigFile.error(file.file(), "prompt.variables", "must be an object of template variables");
        }
        String day = p.text("date", null);
        Optional<LocalDate> date;
        try {
            date = Optional.ofNullable(day).map(LocalDate::parse);
        } catch (DateTimeParseException e) {
            throw ConfigFile.error(file.file(), "prompt.date", "must be a date YYYY-MM-DD, was " + day);
        }
        Map<String, Object> variables = vars == null || vars.isNull() ? Map.of() : new ObjectMapper().convertValue(vars, Map.class);
        PromptSettings s = new PromptSettings(p.bool("chat", false), Optional.ofNullable(p.text("system", null)), variables, date);
        return s;
    }

    /** These settings with the date fixed to {@code day} unless one is set already. */
    PromptSettings fixDate(LocalDate day) {
        return date.isPresent() ? this : new PromptSettings(chat, system, variables, Optional.of(day));
    }

    /** The template the run uses: the model's own or the chat form, with {@code strftime_now} fixed to the date. */
    PromptTemplate apply(Optional<PromptTemplate> modelTemplate, Path modelDir) {
        PromptTemplate t = ChatOptions.choose(modelTemplate, modelDir, chat, system, variables,
                "prompt.system and prompt.variables", "set prompt.chat: true");
        return date.map(t::withDate).orElse(t);
    }

    ObjectNode toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode().put("chat", chat);
        system.ifPresent(s -> o.put("system", s));
        if (!variables.isEmpty()) {
            o.set("variables", json.valueToTree(variables));
        }
        date.ifPresent(d -> o.put("date", d.toString()));
        return o;
    }
}
