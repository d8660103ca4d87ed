package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small models for the chat tests: {@code r1j init} ones, and a chat template put into a tokenizer_config.json. */
final class ChatModels {

    private ChatModels() {}

    /** A tiny random model made by {@code r1j init} in {@code dir}. */
    static Path init(Path dir) {
        CliRun r = CliRun.of("init", "--out", dir.toString(), "--hidden", "16", "--intermediate", "32", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "128");
        assertEquals(0, r.exit(), r.err());
        return dir;
    }

    /** Sets {@code chat_template} in {@code dir}'s tokenizer_config.json. */
    static Path withTemplate(Path dir, String template) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", template);
        Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(config));
        return dir;
    }
}
