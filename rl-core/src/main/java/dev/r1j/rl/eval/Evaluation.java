package dev.r1j.rl.eval;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.format.SelfCheck;
import dev.r1j.rewards.format.ThinkAnswerFormat;
import dev.r1j.rewards.format.ThinkStart;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples {@code k} completions per problem and measures pass@1, pass@k, maj@k, think-rate, check-rate and length,
 * each with a 95% interval. Reproducible: the sampling seed and the bootstrap seed are the caller's.
 */
public final class Evaluation {

    private static final int RESAMPLES = 2000;

    private Evaluation() {}

    /** {@link #run(Generator, PromptTemplate, Opening, List, Reward, int, SamplingParams, ProgressListener)} letting the model choose how to begin. */
    public static EvalReport run(Generator generator, PromptTemplate template, List<Problem> problems, Reward reward,
                                 int k, SamplingParams params, ProgressListener progress) {
        return run(generator, template, Opening.FREE, problems, reward, k, params, progress);
    }

    /**
     * @param template applied to each problem's prompt before sampling
     * @param opening  text forced at the start of every completion (scored as part of it)
     * @param progress told after each chunk of problems, with pass@1 so far
     */
    public static EvalReport run(Generator generator, PromptTemplate template, Opening opening, List<Problem> problems,
                                 Reward reward, int k, SamplingParams params, ProgressListener progress) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems to evaluate");
        }
        // A chat template may have opened the think block (DeepSeek-R1) or closed an empty one (Qwen3 with
        // thinking off): the think-rate reads each completion as the continuation of its prompt.
        ThinkAnswerFormat format = new ThinkAnswerFormat(thinkStart(template, opening));
        int chunk = Math.max(1, 64 / k);
        List<boolean[]> correct = new ArrayList<>();
        List<String[]> answers = new ArrayList<>();
        List<Double> lengths = new ArrayList<>();
        long thinking = 0;
        long checking = 0;
        long samples = 0;
        long right = 0;
        progress.started("eval", 0, problems.size());
        for (int start = 0; start < problems.size(); start += chunk) {
            List<Problem> part = problems.subList(start, Math.min(problems.size(), start + chunk));
            List<String> prompts = part.stream().map(p -> template.render(p.prompt()) + opening.text()).toList();
            // Offsetting the seed by the chunk keeps every problem's samples independent of the chunking.
            List<Completion> out = generator.generate(prompts, k, params.toBuilder().seed(params.seed() + start).build());
            for (int i = 0; i < part.size(); i++) {
                boolean[] c = new boolean[k];
                String[] a = new String[k];
                for (int j = 0; j < k; j++) {
                    Completion completion = out.get(i * k + j);
                    String text = opening.text() + completion.text();
                    RewardResult r = reward.score(part.get(i), text);
                    c[j] = r.correct();
                    right += c[j] ? 1 : 0;
                    a[j] = r.extracted();
                    lengths.add((double) completion.length());
                    thinking += format.thinks(text) ? 1 : 0;
                    checking += SelfCheck.checks(format.start(), text) ? 1 : 0;
                    samples++;
                }
                correct.add(c);
                answers.add(a);
            }
            progress.step(Math.min(problems.size(), start + chunk), Map.of("pass@1", (double) right / samples));
        }
        progress.finished();
        long correctSamples = correct.stream().mapToLong(c -> count(c)).sum();
        double[] passK = correct.stream().mapToDouble(c -> Estimators.passAtK(k, count(c), k)).toArray();
        double[] maj = new double[correct.size()];
        for (int i = 0; i < maj.length; i++) {
            maj[i] = majorityCorrect(answers.get(i), correct.get(i)) ? 1 : 0;
        }
        double[] len = lengths.stream().mapToDouble(Double::doubleValue).toArray();
        long seed = params.seed();
        return new EvalReport(problems.size(), k,
                (double) correctSamples / samples, Estimators.wilson(correctSamples, samples, Estimators.Z95),
                mean(passK), Estimators.bootstrapMean(passK, RESAMPLES, seed + 1),
                mean(maj), Estimators.bootstrapMean(maj, RESAMPLES, seed + 2),
                (double) thinking / samples, Estimators.wilson(thinking, samples, Estimators.Z95),
                (double) checking / samples, Estimators.wilson(checking, samples, Estimators.Z95),
                mean(len), Estimators.bootstrapMean(len, RESAMPLES, seed + 3));
    }

    /**
     * Where completions begin relative to the think block: decided by the template (the problem's own
     * text is left out, since it may mention tags), with a forced opening counted as the model's own text.
     * A forced opening on a template that already opened or closed the think block is refused.
     */
    public static ThinkStart thinkStart(PromptTemplate template, Opening opening) {
        ThinkStart start = ThinkStart.of(template.render(""));
        if (start != ThinkStart.OUTSIDE && opening != Opening.FREE) {
            throw new IllegalArgumentException("the prompt template already " + (start == ThinkStart.INSIDE
                    ? "opens the think block" : "closes an empty think block") + "; forcing the opening "
                    + opening.text() + " as well is not supported (use the free opening)");
        }
        return start;
    }

    /** Whether the most frequent non-empty extracted answer (first seen wins ties) belongs to a correct sample. */
    static boolean majorityCorrect(String[] answers, boolean[] correct) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        Map<String, Boolean> right = new LinkedHashMap<>();
        for (int j = 0; j < answers.length; j++) {
            String a = answers[j].strip();
            if (a.isEmpty()) {
                continue;
            }
            votes.merge(a, 1, Integer::sum);
            right.merge(a, correct[j], Boolean::logicalOr);
        }
        String best = null;
        int bestVotes = 0;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best != null && right.get(best);
    }

    private static int count(boolean[] c) {
        int n = 0;
        for (boolean b : c) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }
}
