package dev.r1j.distill.logit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.train.TokenLoss;

/**
 * Off-policy logit distillation: at every loss position of the training rows, the divergence between
 * the teacher's next-token distribution and the student's. The teacher's decoder runs on the same
 * inputs in {@link #prepare}, without gradients and before the student's forward pass. Teacher and
 * student must share a tokenizer: the distributions are compared id by id.
 *
 * <p>Memory: the teacher's distribution is never held for all positions. With the whole distribution
 * ({@code topK} 0), {@code prepare} keeps the teacher's final hidden states of the loss positions
 * ([N, H_teacher]) and the teacher's head runs on each chunk the trainer asks about, so its logits
 * cost [chunk, V] like the student's. With {@code topK} k, {@code prepare} runs the teacher's head a
 * chunk at a time and keeps only its k most likely tokens and their tail ({@link TeacherTopK}): N x
 * (2k + 1) numbers, and the divergence is taken over those k + 1 buckets.
 */
public final class TeacherDivergence implements TokenLoss {

    private final CausalLm teacher;
    private final GeneralizedJsd divergence;
    private final int topK;
    private final int chunk;

    /** The divergence between whole distributions. */
    public TeacherDivergence(CausalLm teacher, GeneralizedJsd divergence) {
        this(teacher, divergence, 0, CausalLm.DEFAULT_LOGITS_CHUNK);
    }

    /**
     * @param topK  0: compare whole distributions; k in [1, V): keep the teacher's k most likely tokens per
     *              position and the rest of its mass as one bucket (NeMo-RL uses 64)
     * @param chunk positions per teacher head product when the top k are taken, >= 1
     */
    public TeacherDivergence(CausalLm teacher, GeneralizedJsd divergence, int topK, int chunk) {
        int v = teacher.config().vocabSize();
        if (topK < 0 || topK >= v) {
            throw new IllegalArgumentException("teacher top-k must be 0 (whole distributions) or in [1, " + v
                    + ") (the teacher's vocabulary), was " + topK);
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("logits chunk must be >= 1 position, was " + chunk);
        }
        this.teacher = teacher;
        this.divergence = divergence;
        this.topK = topK;
        this.chunk = chunk;
    }

    /**
     * Topk 0: the teacher's hidden states at the loss positions, [N, H_teacher]; top-k: the teacher's
     * bucket log-probabilities [N, k + 1] and token ids [N, k].
     */
    @Override
    public NDList prepare(NDArray inputs, NDArray rows) {
        int b = (int) inputs.getShape().get(0);
        int t = (int) inputs.getShape().get(1);
        long[] positions = new long[b * t];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % t;
        }
        float[] keep = new float[b * t];
        java.util.Arrays.fill(keep, 1f);
        NDArray hidden = teacher.hidden(inputs, positions, keep, null).get(rows).stopGradient(); // [N, H_teacher]
        if (topK == 0) {
            return new NDList(hidden);
        }
        NDManager m = hidden.getManager();
        int n = (int) hidden.getShape().get(0);
        NDList buckets = new NDList();
        NDList ids = new NDList();
        for (int start = 0; start < n; start += chunk) {
            try (NDManager c = m.newSubManager()) {
                NDArray h = hidden.get(new NDIndex("{}:{}", start, Math.min(n, start + chunk)));        // [C, H_teacher]
                h.attach(c);
                NDList top = TeacherTopK.teacher(teacher.head(h).logSoftmax(-1), topK);                 // [C, k+1], [C, k]
                top.attach(m);
                buckets.add(top.get(0));
                ids.add(top.get(1));
            }
        }
        return new NDList(NDArrays.concat(buckets, 0), NDArrays.concat(ids, 0));                       // [N, k+1], [N, k]
    }

    @Override
    public long modelParameters() {
        return teacher.config().parameterCount();
    }

    @Override
    public NDArray perToken(NDArray logits, NDArray targets, NDList prepared) {
        if (teacher.config().vocabSize() != logits.getShape().get(1)) {
            throw new IllegalArgumentException("teacher vocabulary (" + teacher.config().vocabSize() + ") differs from "
                    + "the student's (" + logits.getShape().get(1) + "): logit distillation needs a shared tokenizer");
        }
        NDArray student = logits.logSoftmax(-1);                                                        // [C, V]
        if (topK > 0) {
            return divergence.apply(prepared.get(0), TeacherTopK.student(student, prepared.get(1)));     // [C]
        }
        // Grad mode stays as the trainer set it: switching it off between the student's forward and
        // backward passes (DJL does so below autograd's dispatch) was seen to corrupt the student's
        // gradients now and then. The teacher's weights need no gradient, so nothing is recorded here.
        NDArray teacherLogProbs = teacher.head(prepared.get(0)).logSoftmax(-1).stopGradient();           // [C, V]
        return divergence.apply(teacherLogProbs, student);                                              // [C]
    }
}
