package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r1j sft} on chat messages JSONL through the model's chat template. */
class SftChatCommandTest {

    static final String TEMPLATE = "{% for m in messages %}{{ m.role[0] }}: {{ m.content }}"
            + "{% if m.role == 'assistant' %}{{ eos_token }}{% endif %}\n{% endfor %}{% if add_generation_prompt %}a: {% endif %}";

    @TempDir
    Path tmp;

    Path chatModel() throws Exception {
        return ChatModels.withTemplate(ChatModels.init(tmp.resolve("student")), TEMPLATE);
    }

    @Test
    void trainsOnAssistantTurnsOfMessagesJsonl() throws Exception {
        Path student = chatModel();
        Path data = tmp.resolve("chat.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append("{\"messages\": [{\"role\": \"user\", \"content\": \"").append(i).append("*2\"}, ")
                    .append("{\"role\": \"assistant\", \"content\": \"").append(2 * i).append("\"}]}\n");
        }
        Files.writeString(data, sb.toString());
        Path cfg = tmp.resolve("sft.yaml");
        Files.writeString(cfg, "training: {batch_size: 2, sequence_length: 32, steps: 2, warmup_steps: 1, eval_every: 1}\n"
                + "prompt: {date: 2025-01-01}\n");
        Path out = tmp.resolve("sft");
        CliRun r = CliRun.of("sft", "--model", student.toString(), "--traces", data.toString(), "--config", cfg.toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("chat examples"), r.err());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            assertEquals("20", cp.provenance().orElseThrow().extra().get("conversations_count"));
        }
    }

    @Test
    void badLinesNameFileLineAndField() throws Exception {
        Path student = chatModel();
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"1\"}, {\"role\": \"assistant\", \"content\": \"2\"}]}\n"
                + "\n{\"messages\": [{\"role\": \"user\"}]}\n");
        CliRun r = CliRun.of("sft", "--model", student.toString(), "--traces", data.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(data + ":3: field 'messages[0].content'"), r.err());

        Files.writeString(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"1\"}]}\n");
        r = CliRun.of("sft", "--model", student.toString(), "--traces", data.toString(), "--out", tmp.resolve("o2").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(data + ":1: field 'messages'") && r.err().contains("no assistant turn"), r.err());

        Files.writeString(data, "{\"messages\": {\"role\": \"user\"}}\n");
        r = CliRun.of("sft", "--model", student.toString(), "--traces", data.toString(), "--out", tmp.resolve("o3").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(data + ":1: field 'messages'") && r.err().contains("list"), r.err());
    }
}
