package dev.r1j.rewards.tasks;

/**
 * How a self-checking solution ({@link SelfCheckingSolution}) verifies a step {@code a op b=c} the
 * second way.
 */
public enum CheckStyle {
    /**
     * The inverse operation, or for a product the factors swapped: {@code check c-b=a ok} after a sum,
     * {@code check c+b=a} after a difference, {@code check b*a=c} after a product, {@code check c*b=a}
     * after a quotient. Each check is about as hard as its step.
     */
    INVERSE,
    /**
     * The step recomputed in easier parts where it has any: a sum or product of non-negative operands
     * splits one operand at its leading digit ({@code 37 = 30 + 7}), so a product becomes two products
     * with a one-digit significand and a sum of them, and a sum becomes two sums of which one adds a
     * round number:
     * <pre>
     *   37*6=222        check 30*6=180 7*6=42 180+42=222 ok
     *   522+4060=4582   check 522+4000=4522 4522+60=4582 ok
     * </pre>
     * The split operand is the one with more digits (the first on a tie) whose remainder is not 0, so
     * neither part is the step again. Steps with nothing to split (one significant digit each, as
     * {@code 7*8} or {@code 30*40}), with a negative operand, differences and quotients are checked as
     * {@link #INVERSE} does. A check of this style never reads the step's written result until its
     * verdict, so after a slip it arrives at the true result, which the redone step copies.
     */
    SPLIT,
    /**
     * {@link #SPLIT}, and every check ends with {@code vs} and the number its result must equal (the
     * step's written result, or for an inverse check the step's first operand), so that the verdict
     * compares two neighbouring numbers rather than numbers a line apart:
     * <pre>
     *   37*6=232        check 30*6=180 7*6=42 180+42=222 vs 232 wait
     *   60-6=54         check 54+6=60 vs 60 ok
     * </pre>
     */
    SPLIT_COMPARED;

    /** Whether sums and products are recomputed in parts. */
    boolean splits() {
        return this != INVERSE;
    }
}
