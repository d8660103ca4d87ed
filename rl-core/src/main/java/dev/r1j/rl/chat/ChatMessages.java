package dev.r1j.rl.chat;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversations from files: a JSON array of {@code {role, content}} objects, or JSONL with one
 * {@code {"messages": [...]}} a line (the common chat SFT format). Errors name the file, the line and
 * the field ({@code [2].content}, {@code messages[1].role}).
 */
public final class ChatMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatMessages() {}

    /** One conversation of a JSONL file, with the line it is written on. */
    public record Conversation(int line, List<ChatMessage> messages) {
        public Conversation {
            messages = List.copyOf(messages);
        }
    }

    /** One conversation: {@code file} holds a JSON array of {@code {role, content}} objects. */
    public static List<ChatMessage> readArray(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            List<ChatMessage> out = parseList(p, file, 0, "");
            if (p.nextToken() != null) {
                throw BadInputException.at(file, line(p, 0), null, "unexpected text after the list of messages");
            }
            return out;
        } catch (JsonProcessingException e) {
            throw BadInputException.at(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), null,
                    "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
    }

    /** Conversations, one a line: {@code {"messages": [{role, content}, ...]}}; blank lines are skipped. */
    public static List<Conversation> readJsonl(Path file) {
        List<Conversation> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String lineText;
            int lineNo = 0;
            while ((lineText = r.readLine()) != null) {
                lineNo++;
                if (lineText.isBlank()) {
                    continue;
                }
                out.add(new Conversation(lineNo, parseLine(file, lineNo, lineText)));
            }
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        return out;
    }

    /** Whether the first non-blank line of {@code file} is an object with a {@code messages} field. */
    public static boolean looksLikeMessagesJsonl(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String l;
            while ((l = r.readLine()) != null) {
                if (!l.isBlank()) {
                    var n = JSON.readTree(l);
                    return n != null && n.isObject() && n.has("messages");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static List<ChatMessage> parseLine(Path file, int lineNo, String text) {
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw BadInputException.at(file, lineNo, null, "must be an object {\"messages\": [...]}");
            }
            List<ChatMessage> messages = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (name.equals("messages")) {
                    messages = parseList(p, file, lineNo, "messages");
                } else {
                    p.nextToken();
                    p.skipChildren();
                }
            }
            if (messages == null) {
                throw BadInputException.at(file, lineNo, "messages", "is missing (each line is {\"messages\": [...]})");
            }
            if (messages.isEmpty()) {
                throw BadInputException.at(file, lineNo, "messages", "must hold at least one message");
            }
            return messages;
        } catch (JsonProcessingException e) {
            throw BadInputException.at(file, lineNo, null, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw BadInputException.at(file, lineNo, null, "cannot read: " + e.getMessage());
        }
    }

    /**
     * A list of messages starting at the parser's next token. {@code fixedLine} > 0 is the line of a
     * JSONL record (positions inside it are columns); 0 takes lines from the parser.
     */
    private static List<ChatMessage> parseList(JsonParser p, Path file, int fixedLine, String field) throws IOException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_ARRAY) {
            throw BadInputException.at(file, line(p, fixedLine), field.isEmpty() ? null : field,
                    "must be a list of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; (t = p.nextToken()) != JsonToken.END_ARRAY; i++) {
            String at = field + "[" + i + "]";
            if (t != JsonToken.START_OBJECT) {
                throw BadInputException.at(file, line(p, fixedLine), at, "must be an object {\"role\", \"content\"}");
            }
            int objectLine = line(p, fixedLine);
            String role = null;
            String content = null;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("role") || name.equals("content")) {
                    if (v != JsonToken.VALUE_STRING) {
                        throw BadInputException.at(file, line(p, fixedLine), at + "." + name, "must be a string");
                    }
                    if (name.equals("role")) {
                        role = p.getText();
                    } else {
                        content = p.getText();
                    }
                } else {
                    throw BadInputException.at(file, line(p, fixedLine), at + "." + name,
                            "is not a known field (a message has role and content)");
                }
            }
            if (role == null || role.isEmpty()) {
                throw BadInputException.at(file, objectLine, at + ".role", "is missing (a message has role and content)");
            }
            if (content == null) {
                throw BadInputException.at(file, objectLine, at + ".content", "is missing (a message has role and content)");
            }
            out.add(new ChatMessage(role, content));
        }
        return out;
    }

    private static int line(JsonParser p, int fixedLine) {
        if (fixedLine > 0) {
            return fixedLine;
        }
        JsonLocation l = p.currentTokenLocation();
        return l == null ? 0 : l.getLineNr();
    }
}
