package dev.r1j.rewards.math;

import dev.r1j.rewards.math.internal.Answer;
import dev.r1j.rewards.math.internal.AnswerExtractor;
import dev.r1j.rewards.math.internal.AnswerParser;
import dev.r1j.rewards.math.internal.Budget;
import dev.r1j.rewards.math.internal.Equivalence;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Checks a model's math answer against a gold answer: finds the final answer in the output, reads
 * both into a structure (number, expression, set, tuple, interval, equation, matrix, choice letter or
 * text) with a real parser, and compares them for mathematical equivalence, steered by the gold's
 * shape. Exact rational arithmetic for rational values, a relative tolerance for irrational ones,
 * random-point evaluation for expressions with variables.
 *
 * <p>Model output is adversarial input: {@link #verify} never throws and never runs past its time
 * budget; inputs over the size limit, nesting past the parser's depth, or powers too large to compute
 * exactly get a verdict of "not equivalent" with the reason. Immutable and thread-safe.
 *
 * <p>Percentages: a prediction {@code 50\%} matches gold 50 and gold 0.5; gold {@code 50\%} matches 50
 * and 0.5.
 */
public final class MathVerifier {

    private final boolean strict;
    private final List<AnswerAnchor> order;
    private final double relativeTolerance;
    private final Duration timeBudget;
    private final int maxInputChars;

    private MathVerifier(Builder b) {
        this.strict = b.strict;
        this.order = b.strict ? b.order.stream().filter(AnswerAnchor::explicit).toList() : List.copyOf(b.order);
        this.relativeTolerance = b.relativeTolerance;
        this.timeBudget = b.timeBudget;
        this.maxInputChars = b.maxInputChars;
    }

    /** Lenient extraction (falls back to the last number), tolerance 1e-9, 50 ms and 1,000,000 characters. */
    public static MathVerifier defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean strict() {
        return strict;
    }

    /** The final answer in {@code completion}, by the configured anchors in order. */
    public Optional<String> extract(String completion) {
        if (completion == null || completion.length() > maxInputChars) {
            return Optional.empty();
        }
        return AnswerExtractor.extract(completion, order).map(AnswerExtractor.Found::answer);
    }

    /** Extracts the answer from the whole {@code completion} and compares it with {@code gold}. */
    public Verdict verify(String gold, String completion) {
        if (completion == null || completion.isEmpty()) {
            return new Verdict(false, "", "empty completion");
        }
        if (completion.length() > maxInputChars) {
            return new Verdict(false, "", "completion longer than " + maxInputChars + " characters");
        }
        Optional<AnswerExtractor.Found> found;
        try {
            found = AnswerExtractor.extract(completion, order);
        } catch (RuntimeException | StackOverflowError e) {
            return new Verdict(false, "", "extraction failed: " + e.getClass().getSimpleName());
        }
        if (found.isEmpty()) {
            return new Verdict(false, "", strict ? "no explicit answer (strict mode needs \\boxed{}, <answer>, #### or "
                    + "'the answer is')" : "no answer found");
        }
        String extracted = found.get().answer();
        Outcome o = compare(gold, extracted);
        return new Verdict(o.equal, extracted, (o.equal ? "equivalent" : "not equivalent") + " (" + o.detail
                + ", found by " + found.get().anchor().name().toLowerCase(java.util.Locale.ROOT) + ")");
    }

    /** Whether two already-extracted answers are equivalent, with {@code goldAnswer} steering. */
    public boolean equivalent(String goldAnswer, String predictedAnswer) {
        return compare(goldAnswer, predictedAnswer).equal;
    }

    private record Outcome(boolean equal, String detail) {}

    private Outcome compare(String gold, String pred) {
        if (gold == null || pred == null) {
            return new Outcome(false, "missing answer");
        }
        if (pred.length() > maxInputChars || gold.length() > maxInputChars) {
            return new Outcome(false, "answer too long");
        }
        Budget budget = new Budget(timeBudget.toNanos());
        try {
            String g = AnswerExtractor.extract(gold, List.of(AnswerAnchor.BOXED)).map(AnswerExtractor.Found::answer)
                    .orElse(gold);
            boolean choice = AnswerParser.looksLikeChoice(g);
            Answer goldAnswer = AnswerParser.parse(g, choice, budget);
            Answer predAnswer = AnswerParser.parse(pred, choice, budget);
            boolean equal = new Equivalence(relativeTolerance, budget).equal(goldAnswer, predAnswer);
            return new Outcome(equal, "as " + kind(goldAnswer));
        } catch (Budget.Exceeded e) {
            return new Outcome(false, "time budget of " + timeBudget.toMillis() + " ms exceeded");
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome(false, "could not compare: " + e.getClass().getSimpleName());
        }
    }

    private static String kind(Answer a) {
        return a.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** Builds a {@link MathVerifier}; each setting documents its default. */
    public static final class Builder {
        private boolean strict = false;
        private List<AnswerAnchor> order = List.of(AnswerAnchor.values());
        private double relativeTolerance = 1e-9;
        private Duration timeBudget = Duration.ofMillis(50);
        private int maxInputChars = 1_000_000;

        private Builder() {}

        /** Demand an explicit answer (boxed, answer tag, ####, "the answer is"); default false. */
        public Builder strict(boolean v) {
            strict = v;
            return this;
        }

        /** Anchors to try, in order; default all, in {@link AnswerAnchor} order. */
        public Builder extractionOrder(List<AnswerAnchor> v) {
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException("the extraction order needs at least one anchor");
            }
            order = List.copyOf(v);
            return this;
        }

        /** Relative tolerance for values that are not rational (radicals, pi, e); default 1e-9. */
        public Builder relativeTolerance(double v) {
            if (!(v >= 0 && v < 1)) {
                throw new IllegalArgumentException("relative tolerance must be in [0, 1), was " + v);
            }
            relativeTolerance = v;
            return this;
        }

        /** Wall-clock allowance per comparison; default 50 ms. */
        public Builder timeBudget(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("time budget must be positive, was " + v);
            }
            timeBudget = v;
            return this;
        }

        /** Longest completion or answer considered; longer ones are wrong; default 1,000,000. */
        public Builder maxInputChars(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("max input chars must be >= 1, was " + v);
            }
            maxInputChars = v;
            return this;
        }

        public MathVerifier build() {
            if (strict && order.stream().noneMatch(AnswerAnchor::explicit)) {
                throw new IllegalArgumentException("strict mode needs at least one explicit anchor in the extraction order");
            }
            return new MathVerifier(this);
        }
    }
}
