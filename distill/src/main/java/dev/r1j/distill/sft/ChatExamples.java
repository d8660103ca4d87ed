package dev.r1j.distill.sft;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.AssistantTurns;
import dev.r1j.rl.chat.ChatMessages;
import dev.r1j.rl.chat.ChatTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chat conversations ({@code messages} JSONL) as supervised examples for SFT: each rendered through
 * the student's chat template with the loss on its assistant turns only ({@link AssistantTurns}).
 */
public final class ChatExamples {

    private ChatExamples() {}

    /** The examples of every conversation read from {@code file}; one the template refuses is an error at its line. */
    public static List<TrainingExample> of(List<ChatMessages.Conversation> conversations, Path file, ChatTemplate template,
                                           Tokenizer tokenizer, Map<String, ?> variables, LocalDate date) {
        List<TrainingExample> out = new ArrayList<>(conversations.size());
        for (ChatMessages.Conversation c : conversations) {
            try {
                out.addAll(AssistantTurns.examples(c.messages(), template, tokenizer, variables, date));
            } catch (IllegalArgumentException e) { // a BadInputException of the template included
                throw BadInputException.at(file, c.line(), "messages", e.getMessage());
            }
        }
        return out;
    }
}
