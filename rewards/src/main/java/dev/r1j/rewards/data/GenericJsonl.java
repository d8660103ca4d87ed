package dev.r1j.rewards.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any JSONL of problems: {@code prompt} (or {@code question}) and {@code answer}, an optional
 * {@code id}; every other string or number field is kept as metadata. Kind MATH unless the line says
 * {@code "kind": "countdown"} (with {@code numbers}) or {@code "code"}.
 */
public final class GenericJsonl {

    private GenericJsonl() {}

    public static List<Problem> load(Path file) {
        List<Problem> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file)) {
            String prompt = line.json().has("prompt") ? line.text("prompt") : line.json().has("question")
                    ? line.text("question") : null;
            if (prompt == null) {
                throw line.error("prompt", "is missing (give 'prompt' or 'question')");
            }
            String answer = line.text("answer");
            String id = line.json().has("id") ? line.text("id") : "line-" + line.number();
            TaskKind kind = TaskKind.MATH;
            String k = line.optionalText("kind");
            if (k != null) {
                try {
                    kind = TaskKind.valueOf(k.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw line.error("kind", "must be math, countdown or code, was '" + k + "'");
                }
            }
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = line.json().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("prompt") || name.equals("question") || name.equals("answer") || name.equals("id")
                        || name.equals("kind")) {
                    continue;
                }
                JsonNode v = e.getValue();
                if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                    meta.put(name, v.asText());
                } else if (v.isArray() && name.equals("numbers")) {
                    List<String> nums = new ArrayList<>();
                    v.forEach(x -> nums.add(x.asText()));
                    meta.put(name, String.join(",", nums));
                }
            }
            out.add(new Problem(id, prompt, answer, kind, meta));
        }
        return out;
    }
}
