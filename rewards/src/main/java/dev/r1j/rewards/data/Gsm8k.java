package dev.r1j.rewards.data;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GSM8K (Cobbe et al., 2021; MIT licence): grade-school math word problems whose {@code answer} field
 * is a worked solution ending in {@code #### N}. The train (7,473) and test (1,319) splits are bundled.
 */
public final class Gsm8k {

    private Gsm8k() {}

    /** Problems from a GSM8K-format JSONL file ({@code question}, {@code answer}); ids are {@code gsm8k-LINE}. */
    public static List<Problem> load(Path file) {
        return toProblems(JsonLines.read(file), "gsm8k");
    }

    /** The bundled test split (1,319 problems). */
    public static List<Problem> builtinTest() {
        return toProblems(JsonLines.resource("/dev/r1j/rewards/datasets/gsm8k/test.jsonl.gz"), "gsm8k-test");
    }

    /** The bundled train split (7,473 problems). */
    public static List<Problem> builtinTrain() {
        return toProblems(JsonLines.resource("/dev/r1j/rewards/datasets/gsm8k/train.jsonl.gz"), "gsm8k-train");
    }

    /**
     * The final answer of a GSM8K solution: the text after the last {@code ####}, thousands separators
     * removed. Empty when there is no {@code ####}.
     */
    public static String finalAnswer(String solution) {
        int at = solution.lastIndexOf("####");
        return at < 0 ? "" : solution.substring(at + 4).strip().replace(",", "");
    }

    private static List<Problem> toProblems(List<JsonLines.Line> lines, String prefix) {
        List<Problem> out = new ArrayList<>(lines.size());
        for (JsonLines.Line line : lines) {
            String question = line.text("question");
            String solution = line.text("answer");
            String answer = finalAnswer(solution);
            if (answer.isEmpty()) {
                throw line.error("answer", "has no '#### N' final answer");
            }
            out.add(new Problem(prefix + "-" + line.number(), question, answer, TaskKind.MATH,
                    Map.of("solution", solution)));
        }
        if (out.isEmpty() && !lines.isEmpty()) {
            throw new BadInputException("no problems");
        }
        return out;
    }
}
