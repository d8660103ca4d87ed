package dev.r1j.distill.logit;

import ai.djl.ndarray.NDArray;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.train.TokenLoss;

/**
 * Off-policy logit distillation: at every position of the training rows, the divergence between the
 * teacher's next-token distribution (computed without gradients on the same inputs) and the
 * student's. Teacher and student must share a tokenizer: the distributions are compared id by id.
 */
public final class TeacherDivergence implements TokenLoss {

    private final CausalLm teacher;
    private final GeneralizedJsd divergence;

    public TeacherDivergence(CausalLm teacher, GeneralizedJsd divergence) {
        this.teacher = teacher;
        this.divergence = divergence;
    }

    @Override
    public NDArray perToken(NDArray logits, NDArray inputs, NDArray targets) {
        int b = (int) inputs.getShape().get(0);
        int t = (int) inputs.getShape().get(1);
        if (teacher.config().vocabSize() != logits.getShape().get(2)) {
            throw new IllegalArgumentException("teacher vocabulary (" + teacher.config().vocabSize() + ") differs from the "
                    + "student's (" + logits.getShape().get(2) + "): logit distillation needs a shared tokenizer");
        }
        long[] positions = new long[b * t];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % t;
        }
        float[] keep = new float[b * t];
        java.util.Arrays.fill(keep, 1f);
        NDArray teacherLogProbs;
        boolean was = Engines.gradMode(false);
        try {
            teacherLogProbs = teacher.forward(inputs, positions, keep, null).logSoftmax(-1).stopGradient(); // [B, T, V]
        } finally {
            Engines.gradMode(was);
        }
        return divergence.apply(teacherLogProbs, logits.logSoftmax(-1));                                   // [B, T]
    }
}
