package dev.r1j.distill.logit;

import dev.r1j.rl.model.Engines;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A teacher distribution cut down to its k most likely tokens plus one bucket for the rest of its
 * mass, and the student's distribution over the same k + 1 buckets (its probabilities of the teacher's
 * k tokens, and everything else). A divergence over these buckets needs N x (2k + 1) numbers of the
 * teacher instead of N x V; NeMo-RL distils with k = 64. With k = V - 1 the buckets are the whole
 * vocabulary and the divergence is the full one.
 *
 * <p>A tail's log-mass is {@code log(max(1 - sum of the k probabilities, 1e-30))}: when the k tokens
 * hold (to float precision) all the mass, the tail is a bucket of mass 1e-30 rather than a NaN.
 */
final class TeacherTopK {

    /** The smallest mass a tail bucket is given. */
    static final double MIN_TAIL = 1e-30;

    private TeacherTopK() {}

    /**
     * The teacher's buckets.
     *
     * @param teacherLogProbs [C, V] log-softmax of the teacher's logits
     * @param k               tokens kept, in [1, V)
     * @return {@code [buckets [C, k + 1] log-probabilities (the k tokens, then the tail), ids [C, k] int64]}
     */
    static NDList teacher(NDArray teacherLogProbs, int k) {
        NDList top = teacherLogProbs.topK(k, -1, true, false);                     // values [C, k], ids [C, k]
        NDArray values = top.get(0);
        return new NDList(values.concat(tail(values), -1), top.get(1));            // [C, k + 1], [C, k]
    }

    /**
     * The student's log-probabilities over the teacher's buckets, differentiable in the student.
     *
     * @param studentLogProbs [C, V] log-softmax of the student's logits
     * @param ids             [C, k] the teacher's tokens (int64)
     * @return [C, k + 1]
     */
    static NDArray student(NDArray studentLogProbs, NDArray ids) {
        NDArray kept = studentLogProbs.gather(ids, -1);                             // [C, k]
        return kept.concat(tail(kept), -1);                                        // [C, k + 1]
    }

    /** log(1 - sum exp(logProbs)) over the last axis, floored at log(MIN_TAIL): [C, k] -> [C, 1]. */
    private static NDArray tail(NDArray logProbs) {
        NDArray kept = logProbs.exp().sum(new int[] {-1}, true);                   // [C, 1]
        NDArray tail = kept.neg().add(1);
        return tail.maximum(Engines.scalarLike(tail, MIN_TAIL)).log();                          // [C, 1]
    }
}
