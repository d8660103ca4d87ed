package dev.r1j.rl.train;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The synthetic pre-training corpus of DESIGN §4: generated problems, each followed by its answer in
 * {@code <answer>} tags; a minority ({@code thinkShare}) show the generator's worked solution inside
 * {@code <think>} tags first. Which examples think is drawn with the seed, so a corpus is reproducible.
 * Countdown problems are answered with their expression, since the target alone proves nothing.
 *
 * @param parts      the generators and how many problems each contributes
 * @param thinkShare share of examples with a worked solution, in [0, 1]
 * @param seed       seeds the problems and the choice of which examples think
 */
public record PretrainCorpus(List<Part> parts, double thinkShare, long seed) {

    /** {@code count} problems from {@code task}. */
    public record Part(TaskGenerator task, int count) {
        public Part {
            if (count < 0) {
                throw new IllegalArgumentException(task.name() + ": a problem count must be >= 0, was " + count);
            }
        }
    }

    public PretrainCorpus {
        parts = List.copyOf(parts);
        if (parts.stream().mapToLong(Part::count).sum() == 0) {
            throw new IllegalArgumentException("the corpus needs at least one problem");
        }
        if (!(thinkShare >= 0 && thinkShare <= 1)) {
            throw new IllegalArgumentException("think share must be in [0, 1], was " + thinkShare);
        }
    }

    /** The same parts and think share with {@code count} problems in all, split in the same proportions, from {@code seed}. */
    public PretrainCorpus resized(int count, long seed) {
        long total = parts.stream().mapToLong(Part::count).sum();
        List<Part> scaled = new ArrayList<>(parts.size());
        for (Part p : parts) {
            scaled.add(new Part(p.task(), (int) Math.max(p.count() == 0 ? 0 : 1, Math.round((double) count * p.count() / total))));
        }
        return new PretrainCorpus(scaled, thinkShare, seed);
    }

    /** The documents, in a seeded shuffled order, rendered with {@code template}. */
    public List<String> documents(PromptTemplate template) {
        Random rng = new Random(seed ^ 0x7468696EL);
        List<String> docs = new ArrayList<>();
        for (Part part : parts) {
            for (Problem p : part.task().generate(part.count(), seed)) {
                docs.add(document(template, p, rng.nextDouble() < thinkShare));
            }
        }
        Collections.shuffle(docs, rng);
        return docs;
    }

    /** One problem as a document: prompt, then an optional worked solution, then the answer. */
    public static String document(PromptTemplate template, Problem p, boolean think) {
        String answer = p.metadata().containsKey(CountdownTask.EXPRESSION) ? p.meta(CountdownTask.EXPRESSION, "")
                : p.answer();
        StringBuilder sb = new StringBuilder(template.render(p.prompt()));
        if (think) {
            sb.append("<think>").append(p.meta(TaskGenerator.SOLUTION, "")).append("</think>");
        }
        return sb.append("<answer>").append(answer).append("</answer>").toString();
    }
}
