package dev.r1j.rewards.math;

/**
 * Which notations the last-value fallback ({@link AnswerAnchor#LAST_NUMBER}) reads, for graders (and
 * conformance suites) that extract only one kind. The explicit anchors (boxes, answer tags,
 * {@code ####}, answer phrases) apply under every setting.
 */
public enum AnswerSyntax {
    /**
     * The default: the last formula ({@code $...$}, {@code $$...$$}, {@code \(...\)}, {@code \[...\]})
     * when it ends after the last number, else the last number or the bare LaTeX expression around it
     * ({@code \frac{10}{9}}).
     */
    LATEX_AND_PLAIN,
    /** Only formulas between math delimiters (inline ones on one line); a bare number in prose is not an answer. */
    LATEX,
    /**
     * Only plain numbers ({@code 1 000}, {@code 2,74}, {@code .4}, {@code 3/4}); no formula or LaTeX
     * expression around a number is taken, and {@code $} is a currency sign.
     */
    PLAIN
}
