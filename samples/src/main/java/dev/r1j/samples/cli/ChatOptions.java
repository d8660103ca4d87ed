package dev.r1j.samples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatPrompt;
import dev.r1j.rl.chat.ChatTemplate;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --chat}, {@code --system} and {@code --var}: the chat form of the prompt, for the commands that prompt a model. */
final class ChatOptions {

    @Option(names = "--chat", description = "Put each problem to the model through its chat template (tokenizer_config.json "
            + "or chat_template.jinja) as the user's message, with the generation prompt. Off unless given or chosen in "
            + "the model's prompt_template.json.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the problem (with --chat).")
    String system;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "A chat template variable, e.g. enable_thinking=false "
            + "(VALUE is read as JSON when it is JSON, else as a string; repeatable; with --chat).")
    List<String> vars;

    /**
     * The prompt template to use: the model's own ({@code prompt_template.json}, else the default), or
     * with {@code --chat} the chat form: the problem as is (or the model's chat format) as the user's
     * message through the model's chat template.
     */
    PromptTemplate choose(Optional<PromptTemplate> modelTemplate, Path modelDir) {
        return choose(modelTemplate, modelDir, chat, Optional.ofNullable(system), variables(vars), "--system and --var",
                "add --chat");
    }

    /**
     * The prompt template a command uses: the model's own (else the default) unless {@code chat} or the
     * model's {@code prompt_template.json} chooses the chat form; {@code system} and {@code variables}
     * override the model's in the chat form and are refused without it ({@code what}, {@code remedy}
     * name them in the error).
     */
    static PromptTemplate choose(Optional<PromptTemplate> modelTemplate, Path modelDir, boolean chat, Optional<String> system,
                                 Map<String, Object> variables, String what, String remedy) {
        boolean modelChat = modelTemplate.map(PromptTemplate::isChat).orElse(false);
        if (!chat && !modelChat) {
            if (system.isPresent() || !variables.isEmpty()) {
                throw new BadInputException(what + " apply to the chat form: " + remedy);
            }
            return modelTemplate.orElse(PromptTemplate.DEFAULT);
        }
        ChatPrompt base;
        String format;
        if (modelChat) {
            base = modelTemplate.get().chat().get();
            format = modelTemplate.get().format();
        } else {
            ChatTemplate t = ChatTemplate.readFrom(modelDir).orElseThrow(() -> new BadInputException("chat form: the model in "
                    + modelDir + " has no chat template (chat_template in tokenizer_config.json, or chat_template.jinja)"));
            base = new ChatPrompt(t, Optional.empty(), Map.of(), LocalDate.now(ZoneOffset.UTC));
            format = PromptTemplate.PLACEHOLDER;
        }
        if (system.isPresent()) {
            base = base.withSystem(system);
        }
        if (!variables.isEmpty()) {
            Map<String, Object> merged = new LinkedHashMap<>(base.variables());
            merged.putAll(variables);
            base = base.withVariables(merged);
        }
        return PromptTemplate.chat(format, base);
    }

    /** {@code NAME=VALUE} pairs; a VALUE that is JSON (false, 3, "x", [1]) is read as JSON, anything else is a string. */
    static Map<String, Object> variables(List<String> pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (pairs == null) {
            return out;
        }
        ObjectMapper json = new ObjectMapper();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new BadInputException("--var " + p + ": expected NAME=VALUE");
            }
            String name = p.substring(0, eq);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new BadInputException("--var " + p + ": NAME must be an identifier (letters, digits, _)");
            }
            String value = p.substring(eq + 1);
            Object parsed;
            try {
                parsed = json.readValue(value, Object.class);
            } catch (JsonProcessingException e) {
                parsed = value;
            }
            out.put(name, parsed);
        }
        return out;
    }

    /** The directory holding the tokenizer files of a {@code --model} reference (an .onnx file's own directory). */
    static Path modelDirOf(String ref) {
        if (BuiltinModels.isBuiltin(ref)) {
            return BuiltinModels.resolve(ref);
        }
        Path p = Path.of(ref);
        return ref.endsWith(".onnx") ? p.toAbsolutePath().getParent() : p;
    }
}
