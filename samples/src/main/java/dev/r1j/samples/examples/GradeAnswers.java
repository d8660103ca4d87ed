package dev.r1j.samples.examples;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.WeightedReward;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.format.ThinkAnswerFormat;
import dev.r1j.rewards.math.MathReward;
import java.util.List;

/**
 * How do I grade model answers? Scores a few answers to the first GSM8K test problem with the strict
 * math verifier (an explicit answer is required) plus R1-Zero's format reward, and prints each verdict
 * with its components. Needs no model and no engine: the rewards module is pure Java.
 * Usage: {@code GradeAnswers [FORMAT_WEIGHT]} (default 0.1).
 */
public final class GradeAnswers {

    private GradeAnswers() {}

    public static void main(String[] args) {
        double formatWeight = args.length > 0 ? Double.parseDouble(args[0]) : 0.1;
        Problem problem = Gsm8k.builtinTest().get(0);
        System.out.println("problem: " + problem.prompt());
        System.out.println("gold answer: " + problem.answer());

        // Correctness (1 or 0) from the math verifier, plus a small reward for <think>..</think><answer>..</answer>.
        Reward reward = WeightedReward.builder()
                .add("correct", 1.0, MathReward.strict())
                .add("format", formatWeight, new ThinkAnswerFormat())
                .build();

        String gold = problem.answer();
        List<String> answers = List.of(
                "<think>16 - 3 - 4 = 9 eggs are sold at $2 each.</think><answer>" + gold + "</answer>",
                "She makes \\boxed{" + gold + "} dollars.",
                "<think>16 * 2 = 32</think><answer>32</answer>",
                "I think it is " + gold,
                "<answer>$" + gold + ".00</answer>");
        for (String answer : answers) {
            RewardResult r = reward.score(problem, answer);
            System.out.printf("score %.2f  correct %-5s  extracted %-6s  components %s%n    %s%n    why: %s%n",
                    r.score(), r.correct(), "'" + r.extracted() + "'", r.components(), answer, r.reason());
        }
    }
}
