package dev.r1j.distill.logit;

import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.tokenizer.Tokenizer;
import dev.r1j.rl.train.RowSource;
import dev.r1j.rl.train.SequencePacker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The data of on-policy distillation (GKD, Agarwal et al. 2024, arXiv 2306.13649): with probability
 * {@code studentFraction} a step's rows are completions the student being trained samples itself
 * from the prompts, scored by the teacher through the loss; otherwise they come from the off-policy
 * source (the teacher's traces). Learning on its own samples, the student is corrected where it
 * actually goes wrong instead of only on the teacher's paths (the train/inference mismatch of
 * off-policy distillation).
 *
 * <p>Which steps are on-policy, which prompts they draw and the sampling seed are pure functions of
 * the seed and the trainer's cursor, and sampling reads the student's current weights, so a resumed
 * run regenerates exactly the rows it lost.
 */
public final class OnPolicyRows implements RowSource {

    private final CausalLm student;
    private final Tokenizer tokenizer;
    private final List<String> prompts;
    private final RowSource offPolicy;
    private final double studentFraction;
    private final SamplingParams sampling;
    private final long seed;

    /**
     * @param student         the model being trained; it samples with its weights as they are at each step
     * @param tokenizer       the student's (and teacher's) tokenizer
     * @param prompts         complete prompt texts (as the teacher saw them); duplicates are dropped
     * @param offPolicy       rows for the other steps; may be null only when {@code studentFraction} is 1
     * @param studentFraction GKD's lambda: the share of steps trained on the student's own samples, in [0, 1]
     * @param sampling        how the student samples (GKD samples at temperature 1); its seed is replaced
     *                        per step by one derived from {@code seed} and the cursor
     */
    public OnPolicyRows(CausalLm student, Tokenizer tokenizer, List<String> prompts, RowSource offPolicy,
                        double studentFraction, SamplingParams sampling, long seed) {
        if (!(studentFraction >= 0 && studentFraction <= 1)) {
            throw new IllegalArgumentException("the student-generated fraction must be in [0, 1], was " + studentFraction);
        }
        if (offPolicy == null && studentFraction < 1) {
            throw new IllegalArgumentException("an off-policy source is needed unless every step is on-policy (fraction 1)");
        }
        this.prompts = List.copyOf(new LinkedHashSet<>(prompts));
        if (this.prompts.isEmpty() && studentFraction > 0) {
            throw new IllegalArgumentException("on-policy distillation needs at least one prompt");
        }
        this.student = student;
        this.tokenizer = tokenizer;
        this.offPolicy = offPolicy;
        this.studentFraction = studentFraction;
        this.sampling = sampling;
        this.seed = seed;
    }

    /** Whether the step whose rows start at {@code cursor} trains on the student's own samples. */
    public boolean onPolicy(long cursor) {
        return studentFraction > 0 && new SplittableRandom(seed * 0x9E3779B97F4A7C15L + cursor).nextDouble() < studentFraction;
    }

    @Override
    public Batch rows(long cursor, int count, int sequenceLength) {
        if (!onPolicy(cursor)) {
            return offPolicy.rows(cursor, count, sequenceLength);
        }
        SplittableRandom pick = new SplittableRandom(seed ^ (cursor * 0xBF58476D1CE4E5B9L));
        List<String> chosen = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            chosen.add(prompts.get(pick.nextInt(prompts.size())));
        }
        List<Completion> completions;
        try (DjlGenerator generator = new DjlGenerator(student, tokenizer)) {
            completions = generator.generate(chosen, 1, sampling.toBuilder().seed(pick.nextLong()).build());
        }
        List<SequencePacker.Row> rows = new ArrayList<>(count);
        long generated = 0;
        for (Completion c : completions) {
            generated += c.length();
            rows.add(row(tokenizer.encode(chosen.get(c.promptIndex())), c.tokenIds(), sequenceLength, tokenizer.padId()));
        }
        return new Batch(rows, generated);
    }

    /**
     * One row of {@code T + 1} tokens: the prompt then the completion, cut or padded; only targets in
     * the completion count.
     */
    static SequencePacker.Row row(int[] prompt, int[] completion, int sequenceLength, int padId) {
        int length = Math.min(prompt.length + completion.length, sequenceLength + 1);
        int[] tokens = new int[sequenceLength + 1];
        Arrays.fill(tokens, padId);
        for (int i = 0; i < length; i++) {
            tokens[i] = i < prompt.length ? prompt[i] : completion[i - prompt.length];
        }
        float[] mask = new float[sequenceLength];
        for (int i = 0; i < sequenceLength; i++) {
            int target = i + 1; // position i predicts token i + 1
            mask[i] = target >= prompt.length && target < length ? 1f : 0f;
        }
        return new SequencePacker.Row(tokens, mask);
    }
}
