package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatMessage;
import dev.r1j.rl.chat.ChatMessages;
import dev.r1j.rl.chat.ChatTemplate;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j prompt}: a conversation rendered through a model's chat template, as transformers renders it. */
@Command(name = "prompt", mixinStandardHelpOptions = true,
        description = {"Renders a conversation (a JSON array of {\"role\", \"content\"} messages) through the model's chat "
                + "template (chat_template.jinja, else chat_template of tokenizer_config.json) with the generation prompt, "
                + "and prints the text exactly: nothing added, no trailing newline. With --ids, prints the token ids as a "
                + "JSON array (no special tokens added beyond what the template writes). The directory may hold only the "
                + "tokenizer files."})
final class PromptCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model or tokenizer directory, or builtin:NAME.")
    String model;

    @Option(names = "--messages", required = true, paramLabel = "FILE", description = "The conversation: a JSON array of "
            + "{\"role\", \"content\"} objects.")
    Path messages;

    @Option(names = "--no-generation-prompt", description = "Leave out the assistant's opening (add_generation_prompt=false).")
    boolean noGenerationPrompt;

    @Option(names = "--ids", description = "Print the token ids as a JSON array instead of the text.")
    boolean ids;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "A template variable, e.g. enable_thinking=false (VALUE "
            + "is read as JSON when it is JSON, else as a string; repeatable).")
    List<String> vars;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "What strftime_now answers (default: today, UTC).")
    String date;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = ChatOptions.modelDirOf(model);
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("--model " + model + ": no such directory");
        }
        LocalDate day;
        try {
            day = date == null ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw new BadInputException("--date " + date + ": expected YYYY-MM-DD");
        }
        List<ChatMessage> conversation = ChatMessages.readArray(messages);
        ChatTemplate template = ChatTemplate.readFrom(dir).orElseThrow(() -> new BadInputException("--model " + model
                + ": no chat template (chat_template in tokenizer_config.json, or chat_template.jinja)"));
        String text = template.render(conversation, !noGenerationPrompt, ChatOptions.variables(vars), day);
        PrintWriter out = spec.commandLine().getOut();
        if (ids) {
            int[] tokens = HfTokenizer.load(dir).encode(text);
            out.print(Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        } else {
            out.print(text);
        }
        out.flush();
        return R1j.EXIT_OK;
    }
}
