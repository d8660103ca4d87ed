package dev.r1j.distill.nightly.internal;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The number of correct completions of a model on each problem: what a paired comparison of two
 * models needs, and what {@code Evaluation}'s summary does not keep. Sampling follows
 * {@code Evaluation} (chunks of problems, the seed offset by the chunk's first index), so each
 * problem's samples depend only on the seed and its position, and two models see the same problems
 * with the same seeds.
 */
public final class PairedEvaluation {

    private PairedEvaluation() {}

    /** Correct completions out of {@code k} for each problem, in problem order. */
    public static int[] correctCounts(Generator generator, PromptTemplate template, List<Problem> problems, Reward reward,
                                      int k, SamplingParams params, String job, ProgressListener progress) {
        int chunk = Math.max(1, 64 / k);
        int[] counts = new int[problems.size()];
        long right = 0;
        long samples = 0;
        progress.started(job, 0, problems.size());
        try {
            for (int start = 0; start < problems.size(); start += chunk) {
                List<Problem> part = problems.subList(start, Math.min(problems.size(), start + chunk));
                List<String> prompts = new ArrayList<>(part.size());
                for (Problem p : part) {
                    prompts.add(template.render(p.prompt()));
                }
                List<Completion> out = generator.generate(prompts, k, params.toBuilder().seed(params.seed() + start).build());
                for (int i = 0; i < part.size(); i++) {
                    for (int j = 0; j < k; j++) {
                        if (reward.score(part.get(i), out.get(i * k + j).text()).correct()) {
                            counts[start + i]++;
                            right++;
                        }
                        samples++;
                    }
                }
                progress.step(Math.min(problems.size(), start + chunk), Map.of("pass@1", (double) right / samples));
            }
        } finally {
            progress.finished();
        }
        return counts;
    }
}
