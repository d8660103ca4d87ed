package dev.r1j.distill.nightly;

import dev.r1j.rewards.tasks.Task;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.train.SupervisedConfig;
import java.util.Objects;

/**
 * What one night of {@link NightlyJob} does. Immutable; build with {@link #builder()}. Every value is
 * checked in the canonical constructor, the one place of validation: a bad value is an
 * {@link Invalid} naming the field by its configuration-file name (snake_case, dotted by section) and
 * stating the rule. The names below are those of the YAML/JSON file {@code r1j nightly --config} reads.
 *
 * @param teacher            {@code teacher}: the teacher model, a directory or {@code builtin:NAME}; required
 * @param studentBase        {@code student_base}: the student every night starts from (a night never trains on
 *                           top of the published student, so a bad night cannot compound); required
 * @param task               {@code task}: the generated task the traces and the evaluation draw problems from:
 *                           {@code arith}, {@code countdown}, or a generator name ({@code mulAxB},
 *                           {@code exprMIN-MAX[:TOP]}, {@code countdownN[:TOP]}); default {@code arith}
 * @param traceProblems      {@code traces.problems}: problems the teacher is sampled on tonight (>= 1); default 500
 * @param traceSeed          {@code traces.seed}: the seed of tonight's trace problems and sampling; null (the
 *                           default) derives it from the night, {@code YYYYMMDD} of the night's date, so each
 *                           night sees new problems; must differ from {@code eval.seed}
 * @param samplesPerProblem  {@code traces.samples_per_problem}: completions sampled per problem (>= 1); default 4
 * @param selection          {@code traces.selection}: {@code ALL_CORRECT} or {@code BEST_OF_N}; default ALL_CORRECT
 * @param capPerProblem      {@code traces.cap_per_problem}: most traces kept per problem (>= 1); default 4
 * @param traceTemperature   {@code traces.temperature}: teacher sampling temperature (>= 0); default 1.0
 * @param traceMaxNewTokens  {@code traces.max_new_tokens}: longest teacher completion (>= 1); default 128
 * @param sft                {@code sft}: the fine-tuning of the student base on tonight's traces, with the fields
 *                           and rules of {@link SupervisedConfig}; default {@link #defaultSft()}: batch_size 16,
 *                           sequence_length 256, steps 300, learning_rate 1e-3, min_learning_rate 1e-4,
 *                           warmup_steps 20, checkpoint_every 50, eval_every 0, log_every 10, seed 0, the rest
 *                           as {@link SupervisedConfig}'s defaults
 * @param evalProblems       {@code eval.problems}: held-out problems both students are evaluated on (>= 1); default 200
 * @param evalK              {@code eval.k}: completions per problem (>= 1); default 4
 * @param evalSeed           {@code eval.seed}: the seed of the held-out problems, of sampling and of the bootstrap;
 *                           fixed across nights so that nights are comparable; default 7
 * @param evalTemperature    {@code eval.temperature}: sampling temperature (>= 0); default 1.0
 * @param evalMaxNewTokens   {@code eval.max_new_tokens}: longest completion (>= 1); default 128
 * @param minImprovement     {@code gate.min_improvement}: the new student is published only when the lower end of
 *                           the 95% paired-bootstrap interval of its pass@1 minus the published student's lies
 *                           above this; in [-1, 1); default 0 (better beyond the interval). A negative value
 *                           turns the gate into a non-inferiority test and may publish a student worse by up to
 *                           that much
 * @param bootstrapResamples {@code gate.bootstrap_resamples}: resamples of the paired bootstrap (>= 100); default 2000
 * @param publishDir         {@code publish_dir}: where the published student lives, relative to the work
 *                           directory unless absolute; default {@code published}
 * @param sftLora            {@code sft.lora}: when set, the night trains a LoRA adapter with these settings on the
 *                           frozen student base (its checkpoints are adapter directories) and merges it into the
 *                           student it evaluates and publishes; its dropout must be 0; default none (every weight
 *                           is trained)
 */
public record NightlyConfig(String teacher, String studentBase, String task, int traceProblems, Long traceSeed,
                            int samplesPerProblem, TraceSelection selection, int capPerProblem, double traceTemperature,
                            int traceMaxNewTokens, SupervisedConfig sft, int evalProblems, int evalK, long evalSeed,
                            double evalTemperature, int evalMaxNewTokens, double minImprovement, int bootstrapResamples,
                            String publishDir, LoraConfig sftLora) {

    /** A value of a {@link NightlyConfig} breaks its rule; {@link #field()} is the snake_case name in the file. */
    public static final class Invalid extends BadInputException {
        private static final long serialVersionUID = 1L;
        private final String field;

        Invalid(String field, String rule) {
            super(field + " " + rule);
            this.field = field;
        }

        /** The dotted snake_case name, e.g. {@code traces.samples_per_problem}. */
        public String field() {
            return field;
        }

        /** The rule that was broken, without the field name. */
        public String rule() {
            return getMessage().substring(field.length() + 1);
        }
    }

    public NightlyConfig {
        require(teacher != null && !teacher.isBlank(), "teacher", "is required (a model directory or builtin:NAME)");
        require(studentBase != null && !studentBase.isBlank(), "student_base", "is required (a model directory or builtin:NAME)");
        require(task != null && !task.isBlank(), "task", "is required");
        Task named;
        try {
            named = Task.named(task);
        } catch (IllegalArgumentException e) {
            throw new Invalid("task", "must be a generated task: " + e.getMessage());
        }
        require(named.generator().isPresent(), "task", "must be a generated task (every night draws new problems from "
                + "its own seed), such as arith, countdown or a generator name; '" + task + "' is a fixed data set");
        require(traceProblems >= 1, "traces.problems", "must be >= 1, was " + traceProblems);
        require(traceSeed == null || traceSeed != evalSeed, "traces.seed",
                "must differ from eval.seed (" + evalSeed + "), or the students would be tested on their training problems");
        require(samplesPerProblem >= 1, "traces.samples_per_problem", "must be >= 1, was " + samplesPerProblem);
        require(selection != null, "traces.selection", "must be ALL_CORRECT or BEST_OF_N");
        require(capPerProblem >= 1, "traces.cap_per_problem", "must be >= 1, was " + capPerProblem);
        require(traceTemperature >= 0 && Double.isFinite(traceTemperature), "traces.temperature",
                "must be a finite number >= 0, was " + traceTemperature);
        require(traceMaxNewTokens >= 1, "traces.max_new_tokens", "must be >= 1, was " + traceMaxNewTokens);
        require(sft != null, "sft", "is required");
        require(evalProblems >= 1, "eval.problems", "must be >= 1, was " + evalProblems);
        require(evalK >= 1, "eval.k", "must be >= 1, was " + evalK);
        require(evalTemperature >= 0 && Double.isFinite(evalTemperature), "eval.temperature",
                "must be a finite number >= 0, was " + evalTemperature);
        require(evalMaxNewTokens >= 1, "eval.max_new_tokens", "must be >= 1, was " + evalMaxNewTokens);
        require(minImprovement >= -1 && minImprovement < 1, "gate.min_improvement",
                "must be in [-1, 1) (a difference of pass@1), was " + minImprovement);
        require(bootstrapResamples >= 100, "gate.bootstrap_resamples", "must be >= 100, was " + bootstrapResamples);
        require(publishDir != null && !publishDir.isBlank(), "publish_dir", "must be a non-empty path");
        require(sftLora == null || sftLora.dropout() == 0, "sft.lora.dropout",
                "must be 0: r1j does not implement LoRA dropout, was " + (sftLora == null ? 0 : sftLora.dropout()));
    }

    private static void require(boolean ok, String field, String rule) {
        if (!ok) {
            throw new Invalid(field, rule);
        }
    }

    /** The SFT settings a night uses unless told otherwise (those of {@code docs/distill/sft.yaml}, checkpointing every 50 steps). */
    public static SupervisedConfig defaultSft() {
        return SupervisedConfig.builder().batchSize(16).sequenceLength(256).steps(300).learningRate(1e-3)
                .minLearningRate(1e-4).warmupSteps(20).checkpointEvery(50).evalEvery(0).logEvery(10).seed(0).build();
    }

    /** The seed of the night's trace problems: {@link #traceSeed()} when set, else {@code YYYYMMDD} of the night. */
    public long traceSeedFor(NightId night) {
        return traceSeed != null ? traceSeed : night.dateSeed();
    }

    /** The settings as the configuration file writes them (snake_case, by section), for the manifest. */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode().put("teacher", teacher).put("student_base", studentBase).put("task", task);
        ObjectNode t = o.putObject("traces").put("problems", traceProblems);
        if (traceSeed == null) {
            t.putNull("seed");
        } else {
            t.put("seed", traceSeed);
        }
        t.put("samples_per_problem", samplesPerProblem).put("selection", selection.name()).put("cap_per_problem", capPerProblem)
                .put("temperature", traceTemperature).put("max_new_tokens", traceMaxNewTokens);
        o.putObject("sft").put("batch_size", sft.batchSize()).put("sequence_length", sft.sequenceLength())
                .put("gradient_accumulation", sft.gradientAccumulation()).put("steps", sft.steps())
                .put("learning_rate", sft.learningRate()).put("min_learning_rate", sft.minLearningRate())
                .put("warmup_steps", sft.warmupSteps()).put("weight_decay", sft.weightDecay()).put("clip_norm", sft.clipNorm())
                .put("eval_every", sft.evalEvery()).put("checkpoint_every", sft.checkpointEvery())
                .put("log_every", sft.logEvery()).put("seed", sft.seed());
        o.putObject("eval").put("problems", evalProblems).put("k", evalK).put("seed", evalSeed)
                .put("temperature", evalTemperature).put("max_new_tokens", evalMaxNewTokens);
        o.putObject("gate").put("min_improvement", minImprovement).put("bootstrap_resamples", bootstrapResamples);
        o.put("publish_dir", publishDir);
        if (sftLora != null) {
            ObjectNode lora = ((ObjectNode) o.get("sft")).putObject("lora").put("rank", sftLora.rank())
                    .put("alpha", sftLora.alpha()).put("dropout", sftLora.dropout());
            var targets = lora.putArray("target_modules");
            sftLora.targetModules().forEach(target -> targets.add(target.peftName()));
        }
        return o;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder().teacher(teacher).studentBase(studentBase).task(task).traceProblems(traceProblems)
                .traceSeed(traceSeed).samplesPerProblem(samplesPerProblem).selection(selection).capPerProblem(capPerProblem)
                .traceTemperature(traceTemperature).traceMaxNewTokens(traceMaxNewTokens).sft(sft).evalProblems(evalProblems)
                .evalK(evalK).evalSeed(evalSeed).evalTemperature(evalTemperature).evalMaxNewTokens(evalMaxNewTokens)
                .minImprovement(minImprovement).bootstrapResamples(bootstrapResamples).publishDir(publishDir)
                .sftLora(sftLora);
    }

    /** Builder with the defaults documented on {@link NightlyConfig}; {@code teacher} and {@code studentBase} must be set. */
    public static final class Builder {
        private String teacher;
        private String studentBase;
        private String task = "arith";
        private int traceProblems = 500;
        private Long traceSeed;
        private int samplesPerProblem = 4;
        private TraceSelection selection = TraceSelection.ALL_CORRECT;
        private int capPerProblem = 4;
        private double traceTemperature = 1.0;
        private int traceMaxNewTokens = 128;
        private SupervisedConfig sft = defaultSft();
        private int evalProblems = 200;
        private int evalK = 4;
        private long evalSeed = 7;
        private double evalTemperature = 1.0;
        private int evalMaxNewTokens = 128;
        private double minImprovement = 0.0;
        private int bootstrapResamples = 2000;
        private String publishDir = "published";
        private LoraConfig sftLora;

        private Builder() {}

        public Builder teacher(String v) { teacher = v; return this; }
        public Builder studentBase(String v) { studentBase = v; return this; }
        public Builder task(String v) { task = v; return this; }
        public Builder traceProblems(int v) { traceProblems = v; return this; }
        /** null: derived from the night's date. */
        public Builder traceSeed(Long v) { traceSeed = v; return this; }
        public Builder samplesPerProblem(int v) { samplesPerProblem = v; return this; }
        public Builder selection(TraceSelection v) { selection = v; return this; }
        public Builder capPerProblem(int v) { capPerProblem = v; return this; }
        public Builder traceTemperature(double v) { traceTemperature = v; return this; }
        public Builder traceMaxNewTokens(int v) { traceMaxNewTokens = v; return this; }
        public Builder sft(SupervisedConfig v) { sft = Objects.requireNonNull(v, "sft"); return this; }
        public Builder evalProblems(int v) { evalProblems = v; return this; }
        public Builder evalK(int v) { evalK = v; return this; }
        public Builder evalSeed(long v) { evalSeed = v; return this; }
        public Builder evalTemperature(double v) { evalTemperature = v; return this; }
        public Builder evalMaxNewTokens(int v) { evalMaxNewTokens = v; return this; }
        public Builder minImprovement(double v) { minImprovement = v; return this; }
        public Builder bootstrapResamples(int v) { bootstrapResamples = v; return this; }
        public Builder publishDir(String v) { publishDir = v; return this; }
        /** null: full fine-tuning of the student. */
        public Builder sftLora(LoraConfig v) { sftLora = v; return this; }

        /** @throws Invalid naming the first field that breaks its rule */
        public NightlyConfig build() {
            return new NightlyConfig(teacher, studentBase, task, traceProblems, traceSeed, samplesPerProblem, selection,
                    capPerProblem, traceTemperature, traceMaxNewTokens, sft, evalProblems, evalK, evalSeed, evalTemperature,
                    evalMaxNewTokens, minImprovement, bootstrapResamples, publishDir, sftLora);
        }
    }
}
