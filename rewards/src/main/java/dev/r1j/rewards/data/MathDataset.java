package dev.r1j.rewards.data;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.math.MathVerifier;
import dev.r1j.rewards.math.AnswerAnchor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MATH-style JSONL (Hendrycks et al.): {@code problem} and a {@code solution} whose final answer is the
 * last {@code \boxed{}}; {@code level}, {@code type} and {@code unique_id} are kept as metadata.
 */
public final class MathDataset {

    private static final MathVerifier BOXED_ONLY = MathVerifier.builder()
            .extractionOrder(List.of(AnswerAnchor.BOXED)).build();

    private MathDataset() {}

    public static List<Problem> load(Path file) {
        List<Problem> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file)) {
            String problem = line.text("problem");
            String solution = line.text("solution");
            String answer = line.optionalText("answer");
            if (answer == null) {
                answer = BOXED_ONLY.extract(solution).orElseThrow(() -> line.error("solution", "has no \\boxed{} answer"));
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("solution", solution);
            for (String k : new String[] {"level", "type", "subject", "unique_id"}) {
                String v = line.optionalText(k);
                if (v != null) {
                    meta.put(k, v);
                }
            }
            String id = meta.getOrDefault("unique_id", "math-" + line.number());
            out.add(new Problem(id, problem, answer, TaskKind.MATH, meta));
        }
        return out;
    }
}
