package dev.r1j.rewards.math;

/**
 * Which notations an answer may be written in, and so where in a text the verifier looks for one.
 * The default reads both; the narrower settings exist for graders (and conformance suites) that
 * extract only one kind.
 */
public enum AnswerSyntax {
    /** LaTeX inside math delimiters or a box, and plain-text numbers and expressions. The default. */
    LATEX_AND_PLAIN,
    /**
     * Only LaTeX: a box, or a formula between {@code $...$}, {@code $$...$$}, {@code \(...\)} or
     * {@code \[...\]} (inline delimiters on one line); a bare number in prose is not an answer.
     */
    LATEX,
    /**
     * Only plain text: numbers and plain expressions ({@code 1/3}, {@code 2^10}); LaTeX commands are
     * not read, so {@code \frac{10}{9}} is no answer and {@code $} is a currency sign.
     */
    PLAIN
}
