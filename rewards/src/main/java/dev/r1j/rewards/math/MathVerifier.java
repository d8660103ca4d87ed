package dev.r1j.rewards.math;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.math.internal.AnswerComparator;
import dev.r1j.rewards.math.internal.AnswerExtractor;
import dev.r1j.rewards.math.internal.Budget;
import dev.r1j.rewards.math.internal.BudgetExceededException;
import dev.r1j.rewards.math.internal.Equivalence;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Checks a model's math answer against a gold answer: extracts the final answer from the whole
 * output, then decides mathematical equivalence. Immutable and thread-safe.
 *
 * <p>What counts as equal, by default:
 * <ul>
 *   <li>Rational values are compared exactly ({@code 0.5 = \frac{1}{2} = 50/100}). A number written
 *       with decimal places may be a rounded value: it also equals a value that rounds to the same
 *       {@link Builder#decimalPlaces(int) decimal places} (6 by default), so {@code 0.083333 = \frac{1}{12}}
 *       but {@code 0.333 != \frac{1}{3}}.</li>
 *   <li>Irrational constants ({@code \sqrt 2}, {@code \pi}, {@code e}) are compared numerically with
 *       a relative tolerance of 1e-9, so {@code \frac{\sqrt2}{2} = \frac{1}{\sqrt2}}, and {@code 2\pi = 6.283185}
 *       (the decimal rule) but {@code 2\pi != 6.2832}; widen it with {@link Builder#relativeTolerance(double)}.</li>
 *   <li>Expressions with variables are compared at seeded random points: exactly at rational points
 *       when both sides are rational functions, otherwise in complex doubles (tolerance at least 1e-10).</li>
 *   <li>Percentages follow {@link PercentPolicy#EITHER}: {@code 50\%} equals {@code 50} and {@code 0.5}.</li>
 *   <li>An angle with a degree sign ({@code 60^\circ}, {@code 60°}, {@code 60 degrees}) equals the bare
 *       number and the same angle in radians ({@code \frac{\pi}{3}}); a bare number is never read as
 *       radians. Units ({@code 5 cm}, {@code \$12}, {@code 12 dollars}) are dropped.</li>
 *   <li>Numbers may carry thousands separators ({@code 1,000}, {@code 1 000}, {@code 1{,}000},
 *       {@code 1,\!000}), a decimal comma ({@code 2,74} when no other reading matches) or no leading
 *       zero ({@code .4}).</li>
 *   <li>Sets are order-free, tuples ordered, intervals compare ends and brackets, {@code \pm} stands for
 *       two values, equations match when one is a non-zero multiple of the other, an inequality in one
 *       variable (or on {@code |x|}) equals its interval (or union), matrix sums and products are
 *       worked out entry by entry.</li>
 *   <li>A relation states a value when its left side names the answer: {@code x = 5}, {@code (p, q) = (3, 2)},
 *       {@code f(x) = 1}, {@code |AB| = 1}, {@code A:B = 7:32} all equal their right side; a chain
 *       {@code x = 5+5+1 = 11} states its last side (before any {@code \approx}); a computation
 *       {@code 5 \times 6 = 30} states its result. {@code 2x + z = 1} is an equation, not the value 1.</li>
 *   <li>Values too large to compute ({@code 2^{2^{2^{100}}}}) equal only an identical expression.</li>
 * </ul>
 *
 * <p>The gold answer may be an answer ({@code 72}, {@code \frac{1}{2}}) or a whole reference
 * solution in the style of MATH and NuminaMath: when it holds a {@code \boxed{}}, the box is the gold
 * answer, read as the completion's boxes are (boxes joined by a connective, {@code \boxed{1}, \boxed{2}},
 * are one answer listing both); a {@code ####} or "final answer" phrase, or a worked solution's last
 * value, is taken the same way. The verdict's reason names both extracted answers.
 *
 * <p>Never throws on completions and never hangs: each verdict has a budget of work counted in
 * operations ({@value Builder#DEFAULT_MAX_OPERATIONS} by default), not in milliseconds, so the same
 * completion gets the same verdict on a loaded machine; inputs over the size caps get a "not equal"
 * verdict.
 */
public final class MathVerifier {

    /** Anchors tried by default, most explicit first. */
    public static final List<AnswerAnchor> DEFAULT_ORDER = List.of(AnswerAnchor.values());

    private static final MathVerifier DEFAULTS = builder().build();

    private final boolean strict;
    private final List<AnswerAnchor> order;
    private final double relativeTolerance;
    private final PercentPolicy percentPolicy;
    private final long maxOperations;
    private final AnswerSyntax syntax;
    private final int decimalPlaces;
    private final int maxInputChars;
    private final long seed;
    private final AnswerExtractor extractor;
    private final AnswerComparator comparator;

    private MathVerifier(Builder b) {
        this.strict = b.strict;
        this.order = b.strict
                ? b.extractionOrder.stream().filter(AnswerAnchor::isExplicit).toList()
                : List.copyOf(b.extractionOrder);
        this.relativeTolerance = b.relativeTolerance;
        this.percentPolicy = b.percentPolicy;
        this.maxOperations = b.maxOperations;
        this.syntax = b.syntax;
        this.decimalPlaces = b.decimalPlaces;
        this.maxInputChars = b.maxInputChars;
        this.seed = b.seed;
        this.extractor = new AnswerExtractor(order, !strict, syntax);
        this.comparator = new AnswerComparator(
                new Equivalence.Settings(relativeTolerance, percentPolicy, seed, decimalPlaces));
    }

    /** A lenient verifier with every anchor in {@link #DEFAULT_ORDER} and the defaults described above. */
    public static MathVerifier defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Extracts the final answer from {@code completion} and compares it with {@code gold}: an answer
     * ({@code "\\frac{1}{2}"}, {@code "72"}) or a reference solution whose {@code \\boxed{}} holds it.
     * The verdict's reason names both extracted answers. Never throws.
     */
    public Verdict verify(String gold, String completion) {
        String goldAnswer;
        try {
            goldAnswer = gold == null || gold.length() > maxInputChars ? gold : extractor.goldAnswer(gold);
        } catch (RuntimeException | StackOverflowError e) {
            goldAnswer = gold;
        }
        if (completion == null || completion.isEmpty()) {
            return verdict(false, "", "empty completion", goldAnswer, null);
        }
        if (completion.length() > maxInputChars) {
            return verdict(false, "", "completion longer than " + maxInputChars + " characters", goldAnswer, null);
        }
        Optional<AnswerExtractor.Found> found;
        try {
            found = extractor.extract(completion);
        } catch (RuntimeException | StackOverflowError e) {
            return verdict(false, "", "extraction failed: " + e.getClass().getSimpleName(), goldAnswer, null);
        }
        if (found.isEmpty()) {
            return verdict(false, "", strict
                    ? "no explicit answer (\\boxed{}, <answer>, ####, or \"the answer is\")"
                    : "no answer found", goldAnswer, null);
        }
        String answer = found.get().answer();
        AnswerComparator.Outcome outcome = compare(goldAnswer, answer);
        return verdict(outcome.equal(), answer, outcome.reason(), goldAnswer, found.get());
    }

    /** A verdict whose reason names the outcome, the gold answer, and the answer with the anchor that found it. */
    private static Verdict verdict(boolean correct, String answer, String outcome, String gold, AnswerExtractor.Found found) {
        String reason = outcome + ": gold [" + abbreviate(gold) + "], answer "
                + (found == null ? "none" : "[" + abbreviate(found.answer()) + "] (" + found.anchor() + ")");
        return new Verdict(correct, answer, reason);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 120 ? s : s.substring(0, 100) + "... (" + s.length() + " chars)";
    }

    /** Whether two already-extracted answers are equivalent; {@code goldAnswer} steers the reading. Never throws. */
    public boolean equivalent(String goldAnswer, String predictedAnswer) {
        return compare(goldAnswer, predictedAnswer).equal();
    }

    /** The final answer in {@code completion} under this verifier's anchors, if any. Never throws. */
    public Optional<String> extract(String completion) {
        if (completion == null || completion.length() > maxInputChars) {
            return Optional.empty();
        }
        try {
            return extractor.extract(completion).map(AnswerExtractor.Found::answer);
        } catch (RuntimeException | StackOverflowError e) {
            return Optional.empty();
        }
    }

    private AnswerComparator.Outcome compare(String gold, String pred) {
        try {
            return comparator.compare(gold, pred, Budget.ofOperations(maxOperations));
        } catch (BudgetExceededException e) {
            return new AnswerComparator.Outcome(false, "budget of " + maxOperations + " operations used up");
        } catch (RuntimeException | StackOverflowError e) {
            return new AnswerComparator.Outcome(false, "comparison failed: " + e.getClass().getSimpleName());
        }
    }

    public boolean strict() {
        return strict;
    }

    /** The anchors tried, in order (strict mode drops the inexplicit ones). */
    public List<AnswerAnchor> extractionOrder() {
        return order;
    }

    public double relativeTolerance() {
        return relativeTolerance;
    }

    public PercentPolicy percentPolicy() {
        return percentPolicy;
    }

    /** The work one comparison may do, in operations. */
    public long maxOperations() {
        return maxOperations;
    }

    /** The notations the last-value fallback reads. */
    public AnswerSyntax syntax() {
        return syntax;
    }

    /** The decimal places at which a decimal answer is compared with an exact or irrational value. */
    public int decimalPlaces() {
        return decimalPlaces;
    }

    public int maxInputChars() {
        return maxInputChars;
    }

    /** A builder seeded with this verifier's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.strict = strict;
        b.extractionOrder = order;
        b.relativeTolerance = relativeTolerance;
        b.percentPolicy = percentPolicy;
        b.maxOperations = maxOperations;
        b.syntax = syntax;
        b.decimalPlaces = decimalPlaces;
        b.maxInputChars = maxInputChars;
        b.seed = seed;
        return b;
    }

    /** Settings for a {@link MathVerifier}; each setter validates its argument. */
    public static final class Builder {

        private boolean strict;
        private List<AnswerAnchor> extractionOrder = DEFAULT_ORDER;
        private double relativeTolerance = 1e-9;
        private PercentPolicy percentPolicy = PercentPolicy.EITHER;
        /** The default operation budget of one comparison. */
        public static final long DEFAULT_MAX_OPERATIONS = 200_000L;

        private long maxOperations = DEFAULT_MAX_OPERATIONS;
        private AnswerSyntax syntax = AnswerSyntax.LATEX_AND_PLAIN;
        private int decimalPlaces = 6;
        private int maxInputChars = 1_000_000;
        private long seed = 0x5EEDL;

        private Builder() {
        }

        /**
         * Strict mode (for RL) accepts only explicit anchors ({@code \boxed{}}, {@code <answer>},
         * {@code ####}, "the answer is"), never falls back to the last number, and when the output
         * has a {@code </think>} takes the answer only from the text after it. Default false
         * (lenient: an answer inside the reasoning counts when nothing follows it).
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /** The anchors to try, in priority order; non-empty, no repeats. Default: all, in declaration order. */
        public Builder extractionOrder(List<AnswerAnchor> order) {
            if (order == null || order.isEmpty()) {
                throw BadInputException.at(null, 0, "extractionOrder", "must name at least one anchor");
            }
            if (order.stream().anyMatch(java.util.Objects::isNull)) {
                throw BadInputException.at(null, 0, "extractionOrder", "must not contain null");
            }
            if (EnumSet.copyOf(order).size() != order.size()) {
                throw BadInputException.at(null, 0, "extractionOrder", "must not repeat an anchor: " + order);
            }
            this.extractionOrder = List.copyOf(order);
            return this;
        }

        /**
         * Relative tolerance for values that are not both rational, in [0, 0.1]. Default 1e-9.
         * Rationals are always compared exactly.
         */
        public Builder relativeTolerance(double tolerance) {
            if (!(tolerance >= 0 && tolerance <= 0.1)) {
                throw BadInputException.at(null, 0, "relativeTolerance",
                        "must be a number in [0, 0.1], was " + tolerance);
            }
            this.relativeTolerance = tolerance;
            return this;
        }

        /** How percentages compare with plain numbers. Default {@link PercentPolicy#EITHER}. */
        public Builder percentPolicy(PercentPolicy policy) {
            if (policy == null) {
                throw BadInputException.at(null, 0, "percentPolicy", "must not be null");
            }
            this.percentPolicy = policy;
            return this;
        }

        /**
         * Shorthand for {@link #percentPolicy}: true reads {@code 50\%} only as {@code 0.5}
         * ({@link PercentPolicy#AS_FRACTION}), false only as {@code 50} ({@link PercentPolicy#AS_NUMBER}).
         * Without either call the lenient {@link PercentPolicy#EITHER} applies.
         */
        public Builder percentAsFraction(boolean asFraction) {
            return percentPolicy(asFraction ? PercentPolicy.AS_FRACTION : PercentPolicy.AS_NUMBER);
        }

        /**
         * The work one comparison may do, in operations (a token read, a tree node evaluated, a
         * point tried; big-number arithmetic counts by operand size), from 1,000 to 1,000,000,000.
         * Default {@value #DEFAULT_MAX_OPERATIONS}, which ordinary answers stay far below. A comparison
         * that uses it up is "not equal"; being counted, not timed, it ends the same way on any machine.
         */
        public Builder maxOperations(long operations) {
            if (operations < 1_000 || operations > 1_000_000_000L) {
                throw BadInputException.at(null, 0, "maxOperations",
                        "must be between 1,000 and 1,000,000,000, was " + operations);
            }
            this.maxOperations = operations;
            return this;
        }

        /**
         * The notations the last-value fallback reads, in the completion and in a gold solution. Default
         * {@link AnswerSyntax#LATEX_AND_PLAIN}.
         */
        public Builder syntax(AnswerSyntax syntax) {
            if (syntax == null) {
                throw BadInputException.at(null, 0, "syntax", "must not be null");
            }
            this.syntax = syntax;
            return this;
        }

        /**
         * Decimal places, from 0 to 12, at which a decimal written in an answer ({@code 0.3333},
         * {@code 16386.20}) is compared with a value it approximates: both are rounded to this many
         * places (half up), so {@code 0.083333} equals {@code \frac{1}{12}} at 6 but {@code 0.333} does
         * not equal {@code \frac{1}{3}} unless it is 3. Values that round to zero are not matched this way
         * (0.0000001 is not 0). Default 6. Two exact values are always compared exactly, and irrational
         * values also match within {@link #relativeTolerance(double)}.
         */
        public Builder decimalPlaces(int places) {
            if (places < 0 || places > 12) {
                throw BadInputException.at(null, 0, "decimalPlaces", "must be between 0 and 12, was " + places);
            }
            this.decimalPlaces = places;
            return this;
        }

        /** Completions longer than this many characters are judged wrong unread, at least 1. Default 1,000,000. */
        public Builder maxInputChars(int max) {
            if (max < 1) {
                throw BadInputException.at(null, 0, "maxInputChars", "must be at least 1, was " + max);
            }
            this.maxInputChars = max;
            return this;
        }

        /** Seed of the random points used to compare expressions with variables. Default fixed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public MathVerifier build() {
            if (strict && extractionOrder.stream().noneMatch(AnswerAnchor::isExplicit)) {
                throw BadInputException.at(null, 0, "extractionOrder",
                        "strict mode needs at least one of BOXED, ANSWER_TAG, HASHES, ANSWER_IS");
            }
            return new MathVerifier(this);
        }
    }
}
