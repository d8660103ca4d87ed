package dev.r1j.rewards.math;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import java.util.Objects;

/**
 * Scores 1 when the completion's final answer is equivalent to {@link Problem#answer()}, 0 otherwise.
 * Thread-safe; never throws on a completion.
 */
public final class MathReward implements Reward {

    private final MathVerifier verifier;

    public MathReward(MathVerifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    /** For RL: only an explicit answer ({@code \boxed{}}, {@code <answer>}, {@code ####}, "the answer is") counts. */
    public static MathReward strict() {
        return new MathReward(MathVerifier.builder().strict(true).build());
    }

    /** For evaluation: every anchor, down to the last number in the output. */
    public static MathReward lenient() {
        return new MathReward(MathVerifier.defaults());
    }

    public MathVerifier verifier() {
        return verifier;
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        Verdict v = verifier.verify(problem.answer(), completion);
        return v.correct() ? RewardResult.correct(v.extracted(), v.reason())
                : RewardResult.wrong(v.extracted(), v.reason());
    }
}
