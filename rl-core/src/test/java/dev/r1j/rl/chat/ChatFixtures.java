package dev.r1j.rl.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The real tokenizer files under {@code src/test/resources/chat/NAME}, unpacked into a directory. */
public final class ChatFixtures {

    private ChatFixtures() {}

    /** Copies the files of {@code name} (qwen3, deepseek_v3, llama3_1) into {@code dir}, gunzipping {@code .gz}. */
    public static Path dir(String name, Path dir) {
        List<String> files = List.of("tokenizer_config.json", "tokenizer_config.json.gz", "tokenizer.json.gz");
        try {
            Files.createDirectories(dir);
            for (String f : files) {
                try (InputStream in = ChatFixtures.class.getResourceAsStream("/chat/" + name + "/" + f)) {
                    if (in == null) {
                        continue;
                    }
                    if (f.endsWith(".gz")) {
                        try (InputStream gz = new GZIPInputStream(in)) {
                            Files.copy(gz, dir.resolve(f.substring(0, f.length() - 3)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    } else {
                        Files.copy(in, dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
