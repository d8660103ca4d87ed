package dev.r1j.rewards.math;

/** Where a final answer can be found in a model's output, in the order the verifier tries them by default. */
public enum AnswerAnchor {
    /** The last {@code \boxed{…}} or {@code \fbox{…}} (braces matched), or {@code \boxed 5}. */
    BOXED,
    /** The last {@code <answer>…</answer>} block (a {@code \boxed{}} inside it wins). */
    ANSWER_TAG,
    /** The text after the last {@code ####} on its line, GSM8K style. */
    HASHES,
    /** The rest of the sentence after the last "the answer is" or "final answer:". */
    ANSWER_IS,
    /** The rest of the last line that starts with {@code Answer:} or {@code A:}. */
    ANSWER_LINE,
    /** The last number in the text: a fallback, never used in strict mode. */
    LAST_NUMBER;

    /** Whether this anchor is an explicit statement of the answer (what strict mode demands). */
    public boolean explicit() {
        return this == BOXED || this == ANSWER_TAG || this == HASHES || this == ANSWER_IS;
    }
}
