package dev.r1j.rewards.code;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.data.JsonLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HumanEval (Chen et al., 2021; MIT licence): 164 Python functions to complete, each checked by a
 * {@code check(candidate)} function. Bundled. Problems carry {@code test}, {@code entry_point} and
 * {@code canonical_solution} metadata; the prompt is the function signature and docstring.
 */
public final class HumanEval {

    public static final String TEST = "test";
    public static final String ENTRY_POINT = "entry_point";
    public static final String CANONICAL_SOLUTION = "canonical_solution";

    private HumanEval() {}

    /** The bundled 164 problems. */
    public static List<Problem> builtin() {
        return toProblems(JsonLines.resource("/dev/r1j/rewards/datasets/humaneval/HumanEval.jsonl.gz"));
    }

    /** Problems from a HumanEval-format JSONL file ({@code .gz} accepted). */
    public static List<Problem> load(Path file) {
        return toProblems(JsonLines.read(file));
    }

    private static List<Problem> toProblems(List<JsonLines.Line> lines) {
        List<Problem> out = new ArrayList<>();
        for (JsonLines.Line line : lines) {
            String id = line.text("task_id");
            String prompt = line.text("prompt");
            String test = line.text("test");
            String entry = line.text("entry_point");
            if (!entry.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw line.error("entry_point", "must be a Python identifier, was '" + entry + "'");
            }
            String canonical = line.optionalText("canonical_solution");
            out.add(new Problem(id, prompt, "", TaskKind.CODE, canonical == null
                    ? Map.of(TEST, test, ENTRY_POINT, entry)
                    : Map.of(TEST, test, ENTRY_POINT, entry, CANONICAL_SOLUTION, canonical)));
        }
        return out;
    }
}
