package dev.r1j.distill.nightly.internal;

import dev.r1j.rewards.Reward;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.CountdownReward;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rewards.tasks.TaskSpec;

/**
 * The tasks a night can use: generated ones only, because every night draws new trace problems from
 * its own seed. The names are those of {@code r1j eval --task}.
 */
public final class NightlyTasks {

    private NightlyTasks() {}

    /**
     * The generator of {@code task}: {@code arith}, {@code countdown}, or a {@link TaskSpec} name.
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static TaskGenerator generator(String task) {
        return switch (task) {
            case "arith" -> MixedTask.ARITH;
            case "countdown" -> new CountdownTask(4, 50);
            default -> {
                try {
                    yield TaskSpec.parse(task);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + ", or arith, or countdown");
                }
            }
        };
    }

    /** 1 for a correct completion, 0 otherwise (strict answer extraction, as the traces and eval commands use). */
    public static Reward correctness(String task) {
        return task.startsWith("countdown") ? new CountdownReward() : MathReward.strict();
    }
}
