package dev.r1j.distill.logit;

import dev.r1j.rl.model.Engines;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * The divergence between the teacher's and the student's next-token distributions that logit
 * distillation minimises, per position: the generalized Jensen-Shannon divergence of GKD (Agarwal et
 * al. 2024, "On-Policy Distillation of Language Models"),
 * {@code JSD_b(T || S) = b KL(T || M) + (1 - b) KL(S || M)} with the mixture {@code M = b T + (1 - b) S},
 * and, at its ends, the two KL divergences it moves between:
 * <ul>
 *   <li>{@code beta = 0}: forward KL, {@code KL(T || S)} — mass-covering: the student spreads over
 *       everything the teacher finds plausible (classic distillation, Hinton et al. 2015);</li>
 *   <li>{@code beta = 1}: reverse KL, {@code KL(S || T)} — mode-seeking: the student concentrates where
 *       the teacher is confident (MiniLLM, Gu et al. 2024).</li>
 * </ul>
 * (The mixture formula itself tends to 0 at both ends, so the ends are the KLs by definition, as in
 * TRL's {@code generalized_jsd_loss}.)
 *
 * @param beta in [0, 1]
 */
public record GeneralizedJsd(double beta) {

    /** Forward KL, {@code KL(teacher || student)}. */
    public static final GeneralizedJsd FORWARD_KL = new GeneralizedJsd(0);
    /** Reverse KL, {@code KL(student || teacher)}. */
    public static final GeneralizedJsd REVERSE_KL = new GeneralizedJsd(1);

    public GeneralizedJsd {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("beta must be in [0, 1] (0: forward KL, 1: reverse KL), was " + beta);
        }
    }

    /** The divergence between two distributions given as log-probabilities over the same vocabulary. */
    public double value(double[] teacherLogProbs, double[] studentLogProbs) {
        if (teacherLogProbs.length != studentLogProbs.length) {
            throw new IllegalArgumentException("vocabularies differ: " + teacherLogProbs.length + " and " + studentLogProbs.length);
        }
        if (beta == 0) {
            return kl(teacherLogProbs, studentLogProbs);
        }
        if (beta == 1) {
            return kl(studentLogProbs, teacherLogProbs);
        }
        double[] mix = new double[teacherLogProbs.length];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = Math.log(beta * Math.exp(teacherLogProbs[i]) + (1 - beta) * Math.exp(studentLogProbs[i]));
        }
        return beta * kl(teacherLogProbs, mix) + (1 - beta) * kl(studentLogProbs, mix);
    }

    /** {@code KL(P || Q) = sum p (log p - log q)}; terms with p = 0 are 0. */
    private static double kl(double[] logP, double[] logQ) {
        double s = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) {
                s += p * (logP[i] - logQ[i]);
            }
        }
        return s;
    }

    /**
     * The divergence at every position, differentiable in the student.
     *
     * @param teacherLogProbs [..., V] log-softmax of the teacher's logits (constant); or log-probabilities over
     *                        any buckets that partition the vocabulary (the top-k buckets of {@link TeacherDivergence})
     * @param studentLogProbs [..., V] log-softmax of the student's logits, or over the same buckets
     * @return [...], the last axis summed
     */
    public NDArray apply(NDArray teacherLogProbs, NDArray studentLogProbs) {
        if (beta == 0) {
            return kl(teacherLogProbs, studentLogProbs);
        }
        if (beta == 1) {
            return kl(studentLogProbs, teacherLogProbs);
        }
        // log M = logsumexp(log T + log b, log S + log(1 - b)), stably.
        NDArray a = teacherLogProbs.add(Math.log(beta));
        NDArray b = studentLogProbs.add(Math.log(1 - beta));
        NDArray max = NDArrays.maximum(a, b);
        NDArray logMix = max.add(a.sub(max).exp().add(b.sub(max).exp()).log());         // [N, T, V]
        NDArray towardTeacher = kl(teacherLogProbs, logMix);
        NDArray towardStudent = kl(studentLogProbs, logMix);
        return towardTeacher.mul(Engines.scalarLike(towardTeacher, beta))
                .add(towardStudent.mul(Engines.scalarLike(towardStudent, 1 - beta)));
    }

    private static NDArray kl(NDArray logP, NDArray logQ) {
        return logP.exp().mul(logP.sub(logQ)).sum(new int[] {-1});                    // [...]
    }
}
