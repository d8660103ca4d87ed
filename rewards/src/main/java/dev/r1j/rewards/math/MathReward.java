package dev.r1j.rewards.math;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;

/** Outcome reward for math: 1 when the completion's answer is equivalent to {@code problem.answer()}, else 0. */
public final class MathReward implements Reward {

    private final MathVerifier verifier;

    public MathReward(MathVerifier verifier) {
        this.verifier = verifier;
    }

    /** For RL: an explicit answer is required (no last-number fallback a policy could exploit). */
    public static MathReward strict() {
        return new MathReward(MathVerifier.builder().strict(true).build());
    }

    /** For grading evaluation outputs: falls back to the last number. */
    public static MathReward lenient() {
        return new MathReward(MathVerifier.defaults());
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        Verdict v = verifier.verify(problem.answer(), completion);
        return new RewardResult(v.correct() ? 1.0 : 0.0, v.correct(), v.extracted(), v.reason());
    }

    @Override
    public String name() {
        return "accuracy";
    }
}
