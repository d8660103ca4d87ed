package dev.r1j.rewards.tasks;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.code.CodeReward;
import dev.r1j.rewards.code.HumanEval;
import dev.r1j.rewards.data.GenericJsonl;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.data.MathDataset;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.math.MathVerifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A task by the name the command line, run configs and the nightly job use: its problems and the reward
 * that says whether a completion solves one. A name is resolved once, by {@link #named(String)}, into
 * one of two kinds: a {@link Generated} task draws fresh problems from a seed (arith, countdown,
 * {@code mulAxB}, {@code exprMIN-MAX[:TOP]}, {@code countdownN[:TOP]}), a {@link Dataset} task reads a
 * fixed set (gsm8k, math, code).
 */
public sealed interface Task permits Task.Generated, Task.Dataset {

    /** What {@link #named(String)} accepts, for help texts and error messages. */
    String NAMES = "arith, countdown, gsm8k, math, code, or a generator name (mulAxB, exprMIN-MAX[:TOP], "
            + "countdownN[:TOP])";

    /**
     * The task called {@code name}.
     *
     * @throws IllegalArgumentException naming what is accepted when {@code name} is none of {@link #NAMES}
     */
    static Task named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a task name is required: " + NAMES);
        }
        for (Dataset d : Dataset.values()) {
            if (d.id.equals(name)) {
                return d;
            }
        }
        return switch (name) {
            case "arith" -> new Generated(name, MixedTask.ARITH);
            case "countdown" -> new Generated(name, new CountdownTask(4, 50));
            default -> {
                try {
                    yield new Generated(name, TaskSpec.parse(name));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + ", or one of arith, countdown, gsm8k, math, code");
                }
            }
        };
    }

    /** The name this task was resolved from, e.g. {@code gsm8k} or {@code mul3x2}. */
    String id();

    /** The generator of a generated task; empty for a dataset task. */
    Optional<TaskGenerator> generator();

    /**
     * The first {@code n} problems to evaluate on or to write traces for: from {@code file} when given
     * (JSONL in the task's format), else generated from {@code seed}, else the bundled evaluation split.
     *
     * @throws dev.r1j.common.BadInputException for a bad file, or a task with no bundled evaluation set
     */
    List<Problem> problems(int n, long seed, Path file);

    /**
     * Whether a completion solves a problem of this task: 1 or 0, never throwing on model output.
     *
     * @param lenient accept a final number anywhere in the completion, not only inside the answer tags
     * @param workers parallel sandboxed executions for code
     */
    Reward correctness(boolean lenient, int workers);

    /** A task whose problems are drawn from a seed; every seed gives new problems. */
    record Generated(String id, TaskGenerator source) implements Task {

        public Generated {
            if (id == null || source == null) {
                throw new IllegalArgumentException("a generated task needs a name and a generator");
            }
        }

        @Override
        public Optional<TaskGenerator> generator() {
            return Optional.of(source);
        }

        @Override
        public List<Problem> problems(int n, long seed, Path file) {
            return file == null ? source.generate(n, seed) : first(GenericJsonl.load(file), n);
        }

        @Override
        public Reward correctness(boolean lenient, int workers) {
            return source instanceof CountdownTask ? new CountdownReward() : mathReward(lenient);
        }
    }

    /** A task over a fixed set of problems. */
    enum Dataset implements Task {
        /** Grade-school word problems; answers after GSM8K's {@code ####}. Bundled: train and test splits. */
        GSM8K("gsm8k"),
        /** MATH-style problems ({@code problem}/{@code solution} JSONL with a boxed answer); nothing bundled. */
        MATH("math"),
        /** HumanEval-style Python functions checked by their tests in the sandbox. Bundled: HumanEval. */
        CODE("code");

        private final String id;

        Dataset(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Optional<TaskGenerator> generator() {
            return Optional.empty();
        }

        @Override
        public List<Problem> problems(int n, long seed, Path file) {
            if (file != null) {
                return first(switch (this) {
                    case GSM8K -> Gsm8k.load(file);
                    case MATH -> MathDataset.load(file);
                    case CODE -> HumanEval.load(file);
                }, n);
            }
            return first(switch (this) {
                case GSM8K -> Gsm8k.builtinTest();
                case CODE -> HumanEval.builtin();
                case MATH -> throw new dev.r1j.common.BadInputException(
                        "--task math needs --problems FILE (MATH-style JSONL)");
            }, n);
        }

        /**
         * The bundled problems to train on.
         *
         * @throws dev.r1j.common.BadInputException for math, which bundles none
         */
        public List<Problem> trainingSet() {
            return switch (this) {
                case GSM8K -> Gsm8k.builtinTrain();
                case CODE -> HumanEval.builtin();
                case MATH -> throw new dev.r1j.common.BadInputException("task math has no bundled training set; use "
                        + "gsm8k, arith, countdown, code or a generator name");
            };
        }

        @Override
        public Reward correctness(boolean lenient, int workers) {
            return this == CODE ? CodeReward.builder().workers(workers).build() : mathReward(lenient);
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private static List<Problem> first(List<Problem> all, int n) {
        return all.subList(0, Math.min(n, all.size()));
    }

    private static Reward mathReward(boolean lenient) {
        return lenient ? new MathReward(MathVerifier.builder().strict(false).build()) : MathReward.strict();
    }
}
