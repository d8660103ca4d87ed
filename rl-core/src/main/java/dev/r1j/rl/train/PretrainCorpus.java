package dev.r1j.rl.train;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.tasks.CheckStyle;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.SelfCheckingSolution;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * The synthetic pre-training corpus of DESIGN §4: generated problems, each followed by its answer in
 * {@code <answer>} tags; a minority ({@code thinkShare}) show the generator's worked solution inside
 * {@code <think>} tags first. Which examples think is drawn with the seed, so a corpus is reproducible.
 * Countdown problems are answered with their expression, since the target alone proves nothing.
 *
 * <p>A share {@code checkShare} of the worked solutions check each step a second way, and a share
 * {@code slipShare} of those slip once, notice it at the check and redo the step
 * ({@link SelfCheckingSolution}). When some solutions check, every worked solution starts with a
 * mode line, {@value SelfCheckingSolution#PLAIN_MODE} or {@value SelfCheckingSolution#CHECK_MODE},
 * so that a model learns one token that decides whether it checks, which an evaluation can force:
 * <pre>
 *   &lt;think&gt;solve and check
 *   12*4=48
 *   check 4*12=48 ok
 *   12*30=350
 *   check 30*12=360 wait
 *   12*30=360
 *   check 30*12=360 ok
 *   48+360=408
 *   check 408-360=48 ok&lt;/think&gt;&lt;answer&gt;408&lt;/answer&gt;
 * </pre>
 * With {@code checkShare} 0 there is no mode line, and the documents are those of the corpus before
 * checking solutions existed, byte for byte, so the recipes of the shipped models still make them.
 * The checks are in {@code checkStyle}, the slips where {@code slips} puts them; with
 * {@code maskSlips}, each slipped result is a span that {@link #maskedDocuments} marks as not
 * learned, so that a model learns to catch and redo a slip without learning to make one.
 *
 * @param parts      the generators and how many problems each contributes
 * @param thinkShare share of examples with a worked solution, in [0, 1]
 * @param checkShare share of worked solutions that check their steps, in [0, 1]
 * @param slipShare  share of checking solutions with one slip, found and redone ({@link SlipPlan#ONE}),
 *                   or of their steps that slip ({@link SlipPlan#EACH_STEP}), in [0, 1]
 * @param seed       seeds the problems, the choice of which examples think and which of those check
 *                   and slip
 * @param checkStyle how a step is checked (default {@link CheckStyle#INVERSE})
 * @param slips      where checking solutions slip and what {@code slipShare} counts (default {@link SlipPlan#ONE})
 * @param maskSlips  whether slipped results are left out of the loss (default false)
 */
public record PretrainCorpus(List<Part> parts, double thinkShare, double checkShare, double slipShare, long seed,
                             CheckStyle checkStyle, SlipPlan slips, boolean maskSlips) {

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
        Objects.requireNonNull(checkStyle, "checkStyle");
        Objects.requireNonNull(slips, "slips");
        if (parts.stream().mapToLong(Part::count).sum() == 0) {
            throw new IllegalArgumentException("the corpus needs at least one problem");
        }
        if (!(thinkShare >= 0 && thinkShare <= 1)) {
            throw new IllegalArgumentException("think share must be in [0, 1], was " + thinkShare);
        }
        if (!(checkShare >= 0 && checkShare <= 1)) {
            throw new IllegalArgumentException("check share (of worked solutions that check their steps) must be in [0, 1], was "
                    + checkShare);
        }
        if (!(slipShare >= 0 && slipShare <= 1)) {
            throw new IllegalArgumentException("slip share (of checking solutions with one slip, or of their steps that slip) "
                    + "must be in [0, 1], was " + slipShare);
        }
    }

    /** A corpus whose worked solutions do not check their steps. */
    public PretrainCorpus(List<Part> parts, double thinkShare, long seed) {
        this(parts, thinkShare, 0, 0.5, seed);
    }

    /** A corpus whose checking solutions check the {@link CheckStyle#INVERSE} way, every token learned. */
    public PretrainCorpus(List<Part> parts, double thinkShare, double checkShare, double slipShare, long seed) {
        this(parts, thinkShare, checkShare, slipShare, seed, CheckStyle.INVERSE, SlipPlan.ONE, false);
    }

    /**
     * One document: its text, and the spans of characters whose prediction is not learned (slipped
     * results when slips are masked), in order and apart.
     */
    public record Document(String text, List<SelfCheckingSolution.Span> unlearned) {
        public Document {
            unlearned = List.copyOf(unlearned);
            int end = 0;
            for (SelfCheckingSolution.Span span : unlearned) {
                if (span.start() < end || span.end() > text.length()) {
                    throw new IllegalArgumentException("unlearned spans must be in order, apart and within the document's "
                            + text.length() + " characters: " + unlearned);
                }
                end = span.end();
            }
        }

        /** A document learned whole. */
        static Document whole(String text) {
            return new Document(text, List.of());
        }

        /** Whether some of the document is not learned. */
        public boolean masked() {
            return !unlearned.isEmpty();
        }
    }

    /** The same parts and shares with {@code count} problems in all, split in the same proportions, from {@code seed}. */
    public PretrainCorpus resized(int count, long seed) {
        long total = parts.stream().mapToLong(Part::count).sum();
        List<Part> scaled = new ArrayList<>(parts.size());
        for (Part p : parts) {
            scaled.add(new Part(p.task(), (int) Math.max(p.count() == 0 ? 0 : 1, Math.round((double) count * p.count() / total))));
        }
        return new PretrainCorpus(scaled, thinkShare, checkShare, slipShare, seed, checkStyle, slips, maskSlips);
    }

    /** The documents' texts, in a seeded shuffled order, rendered with {@code template}. */
    public List<String> documents(PromptTemplate template) {
        return maskedDocuments(template).stream().map(Document::text).toList();
    }

    /**
     * The documents, in a seeded shuffled order, rendered with {@code template}, each with the spans it
     * does not learn (with {@code maskSlips}, a checking solution's slipped results).
     */
    public List<Document> maskedDocuments(PromptTemplate template) {
        Random rng = new Random(seed ^ 0x7468696EL);
        // Checks and slips are drawn from a stream of their own, so that which problems think, and the
        // order of the documents, are those of a corpus without checks.
        Random checks = new Random(seed ^ 0x636865636BL);
        List<Document> docs = new ArrayList<>();
        for (Part part : parts) {
            for (Problem p : part.task().generate(part.count(), seed)) {
                docs.add(rng.nextDouble() < thinkShare ? workedDocument(template, p, checks)
                        : Document.whole(document(template, p, null)));
            }
        }
        Collections.shuffle(docs, rng);
        return docs;
    }

    /** {@code p} with its worked solution, with a mode line and checks as drawn from {@code checks}. */
    private Document workedDocument(PromptTemplate template, Problem p, Random checks) {
        String solution = p.meta(TaskGenerator.SOLUTION, "");
        if (checkShare == 0) {
            return Document.whole(document(template, p, solution));
        }
        if (checks.nextDouble() >= checkShare) {
            return Document.whole(document(template, p, SelfCheckingSolution.PLAIN_MODE + "\n" + solution));
        }
        String mode = SelfCheckingSolution.CHECK_MODE + "\n";
        SelfCheckingSolution.Slipped s;
        if (slips == SlipPlan.EACH_STEP) {
            s = SelfCheckingSolution.withSlips(solution, checkStyle, slipShare, checks);
        } else if (checks.nextDouble() < slipShare && !solution.isEmpty()) {
            s = SelfCheckingSolution.withSlip(solution, checkStyle, checks);
        } else {
            return Document.whole(document(template, p, mode + SelfCheckingSolution.checked(solution, checkStyle)));
        }
        String text = document(template, p, mode + s.text());
        if (!maskSlips) {
            return Document.whole(text);
        }
        int at = template.render(p.prompt()).length() + "<think>".length() + mode.length();
        return new Document(text, s.slips().stream().map(slip -> slip.shifted(at)).toList());
    }

    /** One problem as a document: prompt, then an optional worked solution (the generator's, unchecked), then the answer. */
    public static String document(PromptTemplate template, Problem p, boolean think) {
        return document(template, p, think ? p.meta(TaskGenerator.SOLUTION, "") : null);
    }

    /** One problem as a document: prompt, then {@code thinking} in a think block unless it is null, then the answer. */
    private static String document(PromptTemplate template, Problem p, String thinking) {
        String answer = p.metadata().containsKey(CountdownTask.EXPRESSION) ? p.meta(CountdownTask.EXPRESSION, "")
                : p.answer();
        StringBuilder sb = new StringBuilder(template.render(p.prompt()));
        if (thinking != null) {
            sb.append("<think>").append(thinking).append("</think>");
        }
        return sb.append("<answer>").append(answer).append("</answer>").toString();
    }
}
