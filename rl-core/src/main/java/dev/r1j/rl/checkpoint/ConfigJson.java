package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.model.TransformerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code config.json} r1j writes for a model: the config's own fields, then every field of the
 * source's {@code config.json} that r1j did not write (so a round trip keeps what r1j does not
 * interpret), with {@code torch_dtype} naming the type the weights are stored in.
 */
final class ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigJson() {}

    static String render(TransformerConfig config, Optional<Path> sourceConfig, DType stored) {
        ObjectNode out;
        try {
            out = (ObjectNode) JSON.readTree(config.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Optional<JsonNode> source = sourceConfig.filter(Files::isRegularFile).flatMap(ConfigJson::readQuietly);
        if (source.isPresent() && source.get().isObject()) {
            JsonNode src = source.get();
            for (Iterator<Map.Entry<String, JsonNode>> it = src.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!out.has(e.getKey())) {
                    out.set(e.getKey(), e.getValue());
                }
            }
            // r1j holds one eos id (the first); the source's list of them (Llama 3.1: 128001, 128008,
            // 128009) is kept when it starts with that id.
            JsonNode eos = src.get("eos_token_id");
            if (eos != null && eos.isArray() && eos.size() > 0 && eos.get(0).asInt() == config.eosTokenId()) {
                out.set("eos_token_id", eos);
            }
        }
        out.put("torch_dtype", stored.torchName());
        try {
            return JSON.writeValueAsString(out) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The writable type a {@code config.json} declares in {@code torch_dtype} (or {@code dtype}, as newer
     * transformers releases name it), if it declares one r1j writes.
     */
    static Optional<DType> declaredDType(Path configFile) {
        return readQuietly(configFile).flatMap(root -> {
            JsonNode t = root.has("torch_dtype") ? root.get("torch_dtype") : root.get("dtype");
            return t == null || !t.isTextual() ? Optional.empty() : DType.fromTorchName(t.asText());
        }).filter(DType::writable);
    }

    private static Optional<JsonNode> readQuietly(Path file) {
        try {
            return Optional.ofNullable(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            return Optional.empty(); // the source was read when the model was loaded; a later change is not ours to judge
        }
    }
}
