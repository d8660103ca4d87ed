package dev.r1j.rl.train;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.ExpressionTask;
import dev.r1j.rewards.tasks.MultiplicationTask;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The synthetic pre-training corpus of DESIGN §4: arithmetic and Countdown problems, each followed by
 * its answer in {@code <answer>} tags; a minority ({@code thinkShare}) show a worked solution inside
 * {@code <think>} tags first. Which examples think is drawn with the seed, so a corpus is reproducible.
 *
 * @param multiplications 3x2-digit multiplications
 * @param expressions     3-5 operand expressions
 * @param countdowns      4-number Countdown problems (answered with an expression)
 * @param thinkShare      share of examples with a worked solution, in [0, 1]
 * @param seed            seeds problems and the choice of which examples think
 */
public record PretrainCorpus(int multiplications, int expressions, int countdowns, double thinkShare, long seed) {

    public PretrainCorpus {
        if (multiplications < 0 || expressions < 0 || countdowns < 0 || multiplications + expressions + countdowns == 0) {
            throw new IllegalArgumentException("the corpus needs a non-negative count of each task and at least one problem");
        }
        if (!(thinkShare >= 0 && thinkShare <= 1)) {
            throw new IllegalArgumentException("think share must be in [0, 1], was " + thinkShare);
        }
    }

    /** The documents, in a seeded shuffled order, rendered with {@code template}. */
    public List<String> documents(PromptTemplate template) {
        List<Problem> problems = new ArrayList<>();
        problems.addAll(new MultiplicationTask(3, 2).generate(multiplications, seed));
        problems.addAll(new ExpressionTask(3, 5, 20).generate(expressions, seed));
        problems.addAll(new CountdownTask(4, 50).generate(countdowns, seed));
        Random rng = new Random(seed ^ 0x7468696EL);
        List<String> docs = new ArrayList<>(problems.size());
        for (Problem p : problems) {
            boolean think = rng.nextDouble() < thinkShare;
            String answer = p.metadata().containsKey(CountdownTask.EXPRESSION) ? p.meta(CountdownTask.EXPRESSION, "")
                    : p.answer();
            StringBuilder sb = new StringBuilder(template.render(p.prompt()));
            if (think) {
                sb.append("<think>").append(p.meta(TaskGenerator.SOLUTION, "")).append("</think>");
            }
            sb.append("<answer>").append(answer).append("</answer>");
            docs.add(sb.toString());
        }
        Collections.shuffle(docs, rng);
        return docs;
    }
}
