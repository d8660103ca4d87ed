package dev.r1j.rewards;

/**
 * Scores one completion of one problem.
 *
 * <p>Model output is adversarial input: an implementation never throws on a completion and never
 * hangs on one; malformed, huge or hostile text gets a verdict (usually zero) within a bounded time.
 * Implementations are thread-safe so that a trainer can score a batch in parallel.
 */
@FunctionalInterface
public interface Reward {

    /** The verdict on {@code completion} (the model's whole output, without the prompt). */
    RewardResult score(Problem problem, String completion);

    /** The name under which this reward's value is logged; the class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }
}
