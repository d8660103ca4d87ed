package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.tasks.internal.ArithmeticParser;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Scores a Countdown answer: the expression inside the last {@code <answer>} block (or, without one,
 * the last line that looks like arithmetic), optionally followed by {@code = target}, must use only
 * the problem's numbers, each at most once, and evaluate exactly (rational arithmetic) to the target.
 * 1 when it does, 0 otherwise; never throws.
 */
public final class CountdownReward implements Reward {

    private static final Pattern ANSWER = Pattern.compile("<answer>(.*?)</answer>", Pattern.DOTALL);
    private static final Pattern ARITHMETIC_LINE = Pattern.compile("^[0-9+\\-*/()×÷=\\s]+$");
    private static final int MAX_COMPLETION = 100_000;

    @Override
    public RewardResult score(Problem problem, String completion) {
        if (completion == null) {
            return RewardResult.wrong("", "no completion");
        }
        String text = completion.length() > MAX_COMPLETION ? completion.substring(completion.length() - MAX_COMPLETION)
                : completion;
        String candidate = extract(text);
        if (candidate == null) {
            return RewardResult.wrong("", "no <answer> block and no line of arithmetic");
        }
        String expr = candidate.replace('×', '*').replace('÷', '/').trim();
        int eq = expr.indexOf('=');
        if (eq >= 0) {
            expr = expr.substring(0, eq).trim(); // "expr = target": the right side is not trusted
        }
        ArithmeticParser.Result r = ArithmeticParser.evaluate(expr);
        if (!r.ok()) {
            return RewardResult.wrong(expr, "not arithmetic: " + r.error());
        }
        Map<BigInteger, Integer> available = new HashMap<>();
        for (String n : problem.meta(CountdownTask.NUMBERS, "").split(",")) {
            if (!n.isBlank()) {
                try {
                    available.merge(new BigInteger(n.trim()), 1, Integer::sum);
                } catch (NumberFormatException e) {
                    return RewardResult.wrong(expr, "problem has a malformed number list: " + problem.meta(CountdownTask.NUMBERS, ""));
                }
            }
        }
        List<BigInteger> over = new ArrayList<>();
        for (BigInteger used : r.literals()) {
            int left = available.getOrDefault(used, 0);
            if (left == 0) {
                over.add(used);
            } else {
                available.put(used, left - 1);
            }
        }
        if (!over.isEmpty()) {
            return RewardResult.wrong(expr, "uses " + over + " beyond the given numbers " + problem.meta(CountdownTask.NUMBERS, ""));
        }
        BigFraction target;
        try {
            target = new BigFraction(new BigInteger(problem.answer().trim()));
        } catch (NumberFormatException e) {
            return RewardResult.wrong(expr, "problem target is not an integer: " + problem.answer());
        }
        if (!r.value().equals(target)) {
            return RewardResult.wrong(expr, "evaluates to " + r.value() + ", not " + target);
        }
        return RewardResult.correct(expr, "reaches " + target + " with the given numbers");
    }

    private static String extract(String text) {
        Matcher m = ANSWER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last != null) {
            return last;
        }
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].trim();
            if (!line.isEmpty() && line.length() <= ArithmeticParser.MAX_LENGTH && ARITHMETIC_LINE.matcher(line).matches()
                    && line.chars().anyMatch(Character::isDigit)) {
                return line;
            }
        }
        return null;
    }
}
