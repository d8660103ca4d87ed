package dev.r1j.distill.logit;

import ai.djl.ndarray.NDArray;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.train.TokenLoss;

/**
 * Off-policy logit distillation: at every position of the training rows, the divergence between the
 * teacher's next-token distribution and the student's. The teacher runs on the same inputs in
 * {@link #prepare}, without gradients and before the student's forward pass. Teacher and student
 * must share a tokenizer: the distributions are compared id by id.
 */
public final class TeacherDivergence implements TokenLoss {

    private final CausalLm teacher;
    private final GeneralizedJsd divergence;

    public TeacherDivergence(CausalLm teacher, GeneralizedJsd divergence) {
        this.teacher = teacher;
        this.divergence = divergence;
    }

    /** The teacher's log-probabilities, [B, T, V]. */
    @Override
    public NDArray prepare(NDArray inputs) {
        int b = (int) inputs.getShape().get(0);
        int t = (int) inputs.getShape().get(1);
        long[] positions = new long[b * t];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % t;
        }
        float[] keep = new float[b * t];
        java.util.Arrays.fill(keep, 1f);
        return teacher.forward(inputs, positions, keep, null).logSoftmax(-1).stopGradient();
    }

    @Override
    public long modelParameters() {
        return teacher.config().parameterCount();
    }

    @Override
    public NDArray perToken(NDArray logits, NDArray targets, NDArray teacherLogProbs) {
        if (teacherLogProbs.getShape().get(2) != logits.getShape().get(2)) {
            throw new IllegalArgumentException("teacher vocabulary (" + teacherLogProbs.getShape().get(2) + ") differs from "
                    + "the student's (" + logits.getShape().get(2) + "): logit distillation needs a shared tokenizer");
        }
        return divergence.apply(teacherLogProbs, logits.logSoftmax(-1));                                   // [B, T]
    }
}
