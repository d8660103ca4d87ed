package dev.r1j.samples.cli;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.code.CodeReward;
import dev.r1j.rewards.code.HumanEval;
import dev.r1j.rewards.data.GenericJsonl;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.data.MathDataset;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.math.MathVerifier;
import dev.r1j.rewards.tasks.CountdownReward;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rewards.tasks.TaskSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The task names the commands share: arith, countdown, gsm8k, math, code, or a generator name
 * (mulAxB, exprMIN-MAX[:TOP], countdownN[:TOP]); their problem sets and their correctness rewards.
 */
final class Tasks {

    static final String NAMES = "arith, countdown, gsm8k, math, code, or a generator name (mulAxB, exprMIN-MAX[:TOP], "
            + "countdownN[:TOP])";

    private Tasks() {}

    /** The generator behind a generated task, or null for a dataset task (gsm8k, math, code). */
    static TaskGenerator generator(String task) {
        return switch (task) {
            case "arith" -> MixedTask.ARITH;
            case "countdown" -> new CountdownTask(4, 50);
            case "gsm8k", "math", "code" -> null;
            default -> {
                try {
                    yield TaskSpec.parse(task);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("--task: " + e.getMessage() + ", or one of arith, countdown, gsm8k, math, code");
                }
            }
        };
    }

    /**
     * The first {@code n} problems of a task: from {@code file} when given (JSONL in the task's format),
     * else generated from {@code seed}, else the bundled evaluation split.
     */
    static List<Problem> problems(String task, int n, long seed, Path file) {
        if (file != null) {
            List<Problem> all = switch (task) {
                case "gsm8k" -> Gsm8k.load(file);
                case "math" -> MathDataset.load(file);
                case "code" -> HumanEval.load(file);
                default -> GenericJsonl.load(file);
            };
            return all.subList(0, Math.min(n, all.size()));
        }
        TaskGenerator g = generator(task);
        if (g != null) {
            return g.generate(n, seed);
        }
        List<Problem> all = switch (task) {
            case "gsm8k" -> Gsm8k.builtinTest();
            case "code" -> HumanEval.builtin();
            default -> throw new BadInputException("--task math needs --problems FILE (MATH-style JSONL)");
        };
        return all.subList(0, Math.min(n, all.size()));
    }

    /** Whether a completion solves a problem of {@code task}: 1 or 0, never throwing on model output. */
    static Reward correctness(String task, boolean lenient, int workers) {
        if (task.startsWith("countdown")) {
            return new CountdownReward();
        }
        if (task.equals("code")) {
            return CodeReward.builder().workers(workers).build();
        }
        return lenient ? new MathReward(MathVerifier.builder().strict(false).build()) : MathReward.strict();
    }
}
