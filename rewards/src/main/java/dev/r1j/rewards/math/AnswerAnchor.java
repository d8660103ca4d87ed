package dev.r1j.rewards.math;

/**
 * The places a final answer can be found in a model's output. A verifier tries them in its
 * configured order and takes the <em>last</em> occurrence of the first anchor that is present.
 */
public enum AnswerAnchor {
    /**
     * {@code \boxed{...}} or {@code \fbox{...}} with nested braces, or {@code \boxed 5}. Boxes with only a
     * connective between them ({@code \boxed{1} and \boxed{2}}) are one answer; a "final answer" phrase
     * written after the last box (when {@link #ANSWER_IS} is also tried) restates or corrects it and wins.
     */
    BOXED,
    /** {@code <answer>...</answer>}; a box or "answer is" phrase inside the tag narrows it further. */
    ANSWER_TAG,
    /** {@code #### 42}, GSM8K's marker: the rest of that line. */
    HASHES,
    /**
     * "the answer is X", "final answer: X": the rest of that sentence; a sentence that starts with words
     * ("The largest $n$ is 34") gives its last value.
     */
    ANSWER_IS,
    /** A line that starts with {@code Answer:} or {@code A:}. Not an anchor in strict mode. */
    ANSWER_LINE,
    /**
     * The last value anywhere in the output: the last formula ({@code $...$}, {@code \(...\)},
     * {@code \[...\]}) when it ends after the last number, else the last number or the bare LaTeX
     * expression around it ({@code \frac{10}{9}}). {@link AnswerSyntax} narrows it. Not an anchor in
     * strict mode.
     */
    LAST_NUMBER;

    /** Whether strict mode accepts this anchor as proof that the model committed to an answer. */
    public boolean isExplicit() {
        return this != ANSWER_LINE && this != LAST_NUMBER;
    }
}
