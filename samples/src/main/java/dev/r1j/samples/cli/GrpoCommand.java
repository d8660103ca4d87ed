package dev.r1j.samples.cli;

import dev.r1j.rewards.tasks.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.WeightedReward;
import dev.r1j.rewards.format.OverlongPenalty;
import dev.r1j.rewards.format.ThinkAnswerFormat;
import dev.r1j.rewards.format.ThinkStart;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.distill.onnx.OrtRolloutGenerator;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.grpo.ProblemStream;
import dev.r1j.rl.grpo.RolloutEngine;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.Precision;
import dev.r1j.rl.run.MemoryEstimate;
import dev.r1j.rl.run.RunLock;
import dev.r1j.report.RunReport;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j grpo}: R1-Zero-style RL of a base model with verifiable rewards. */
@Command(name = "grpo", mixinStandardHelpOptions = true,
        description = {"GRPO with outcome rewards (DeepSeek-R1-Zero's recipe) on a model, writing a run directory: "
                + "config.json, metrics.jsonl, samples.jsonl, ledger.json, checkpoints/step-N/, report.html and, at the "
                + "end, model/ (the trained policy in Hugging Face layout). A run killed at any point continues with "
                + "--resume DIR and ends with the weights of an uninterrupted run.",
            "The config (JSON or YAML) holds model (a reference), task, reward {format_weight 0.0, overlong_buffer 0}, "
                + "prompt {chat false, system none, variables none, date (the day the run starts)} and grpo, whose fields "
                + "and defaults are:",
            "  steps 200, prompts_per_step 16, group_size 8, max_new_tokens 128, temperature 1.0, top_p 1.0,",
            "  learning_rate 1e-5, min_learning_rate (= learning_rate), warmup_steps 0, weight_decay 0.0, adam_beta2 0.99,",
            "  clip_norm 1.0, iterations 1 (mu), epsilon_low 0.2, epsilon_high 0.2 (0.28: clip-higher), beta 0.0 (KL),",
            "  kl_estimator K3 (K1|K2|K3), loss_aggregation SEQUENCE_MEAN (SEQUENCE_MEAN|TOKEN_MEAN|CONSTANT),",
            "  advantage_scaling GROUP_STD (GROUP_STD|BATCH_STD|NONE), policy_loss PPO_CLIP (PPO_CLIP|GSPO|CISPO: which",
            "  ratio is clipped; the same with iterations 1), dynamic_sampling false, max_sampling_rounds 3,",
            "  overlong_filtering false, micro_batch_size 32, seed 0, checkpoint_every 50, samples_per_step 4,",
            "  reward_threads (available processors), logits_chunk 1024 (completion positions per output-head product),",
            "  gradient_checkpointing false (recompute each decoder block in the backward pass: less memory, more time),",
            "  rollout_engine DJL (DJL|ONNX_RUNTIME: who samples; ONNX Runtime gets a copy of the current weights each step),",
            "  rollout_correction (TOKEN with ONNX_RUNTIME, NONE with DJL; NONE|TOKEN|SEQUENCE: truncated importance",
            "  sampling of the engine mismatch), rollout_is_cap 2.0 (the largest importance weight, > 0).",
            "Flags override the file. Tasks: arith (the builtin arith models' task), countdown, gsm8k (train split), "
                + "code (HumanEval, needs bubblewrap), or a generator name (mul3x2, expr3-5:20, countdown4:100).",
            "Reward: correctness (1 or 0) + format_weight x well-formed <think>/<answer> + the DAPO soft overlong "
                + "penalty over the last overlong_buffer tokens when that is > 0.",
            "LoRA: a lora section {rank 16, alpha 2 x rank, dropout 0, target_modules q_proj,k_proj,v_proj,o_proj,"
                + "gate_proj,up_proj,down_proj} or --lora-rank N trains an adapter on the frozen base; model/ and the "
                + "checkpoints are then PEFT adapter directories. --model may be an adapter directory (its adapter is "
                + "trained on; the KL reference is that adapter, frozen).",
            "Precision: a top-level precision key (FP32|F16|BF16, default FP32) or --precision stores the frozen "
                + "weights (a LoRA base, a KL reference copy) in F16, half the memory, cast to F32 for each product; "
                + "BF16 is refused (the engine has no bfloat16), and so is F16 when nothing is frozen."})
final class GrpoCommand implements Callable<Integer> {

    /** Reads and writes GrpoConfig under the snake_case names a config file uses. */
    static final ObjectMapper SNAKE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    @Option(names = "--config", paramLabel = "FILE", description = "JSON or YAML settings (see above).")
    Path config;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR with its own config.json.")
    Path resume;

    @Option(names = "--model", paramLabel = "REF", description = "Model directory or builtin:NAME.")
    String model;

    @Option(names = "--task", description = "arith, countdown, gsm8k, code or a generator name.")
    String task;

    @Option(names = "--steps", description = "Overrides grpo.steps.")
    Integer steps;

    @Option(names = "--seed", description = "Overrides grpo.seed.")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "The run directory (must not hold another run).")
    Path out;

    @Mixin
    AdapterOptions adapterOptions;

    @Spec
    CommandSpec spec;

    /** Top-level fields of a config file. */
    static final Set<String> TOP_FIELDS = Set.of("model", "task", "reward", "grpo", LoraSettings.SECTION, "prompt",
            PrecisionSettings.FIELD);

    /** Fields of its {@code reward} section. */
    static final Set<String> REWARD_FIELDS = Set.of("format_weight", "overlong_buffer");

    /** The effective settings of a run, as written to its config.json. */
    record RunSettings(String model, String task, double formatWeight, int overlongBuffer, GrpoConfig grpo,
                       Optional<LoraConfig> lora, PromptSettings prompt, Precision precision, Path precisionSource) {
        /** FP32 frozen weights. */
        RunSettings(String model, String task, double formatWeight, int overlongBuffer, GrpoConfig grpo,
                    Optional<LoraConfig> lora, PromptSettings prompt) {
            this(model, task, formatWeight, overlongBuffer, grpo, lora, prompt, Precision.FP32, null);
        }

        /** Full fine-tuning, plain prompts. */
        RunSettings(String model, String task, double formatWeight, int overlongBuffer, GrpoConfig grpo) {
            this(model, task, formatWeight, overlongBuffer, grpo, Optional.empty(), PromptSettings.PLAIN);
        }
    }

    @Override
    public Integer call() throws IOException {
        Path runDir;
        RunSettings settings;
        if (resume != null) {
            if (config != null || model != null || task != null || out != null || adapterOptions.loraRank != null
                    || adapterOptions.precision != null) {
                throw new BadInputException("--resume DIR takes the run's own config.json; do not combine it with "
                        + "--config, --model, --task, --out, --lora-rank or --precision");
            }
            runDir = resume;
            Path saved = runDir.resolve("config.json");
            if (!Files.exists(saved)) {
                throw BadInputException.at(saved, 0, null, "no run to resume here (config.json is missing)");
            }
            settings = override(read(saved), saved);
        } else {
            if (out == null) {
                throw new BadInputException("--out DIR is required (or --resume DIR)");
            }
            runDir = out;
            settings = override(read(config, adapterOptions.loraRank, adapterOptions.precision), config);
            // strftime_now answers the day the run starts, recorded in config.json for --resume
            settings = new RunSettings(settings.model(), settings.task(), settings.formatWeight(), settings.overlongBuffer(),
                    settings.grpo(), settings.lora(), settings.prompt().fixDate(java.time.LocalDate.now(java.time.ZoneOffset.UTC)),
                    settings.precision(), settings.precisionSource());
            if (Files.exists(runDir.resolve("config.json"))) {
                throw new BadInputException("--out " + runDir + " already holds a run; continue it with --resume " + runDir
                        + " or choose another directory");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        try (RunLock lock = RunLock.acquire(runDir)) {
            if (resume == null) {
                AtomicFiles.writeString(runDir.resolve("config.json"), toJson(settings).toPrettyString() + "\n");
            }
            return run(runDir, settings, err);
        }
    }

    private int run(Path runDir, RunSettings s, PrintWriter err) {
        ProblemStream problems = problems(s.task(), s.grpo());
        Path modelDir = BuiltinModels.resolve(s.model());
        Generator gen = null;
        try (Checkpoint cp = Checkpoint.load(modelDir)) {
            PromptTemplate template = s.prompt().apply(cp.template(), modelDir);
            // The format reward reads completions as continuations of a prompt that may open or close the think block.
            Reward reward = reward(s, ThinkStart.of(template.render("")));
            Optional<LoraAdapter> adapter = LoraSettings.attach(cp, s.model(), modelDir, s.lora(), s.grpo().seed());
            adapter.ifPresent(a -> err.printf("grpo: training a LoRA adapter (%s) on the frozen base%n",
                    LoraSettings.describe(a.config())));
            PrecisionSettings.requireFrozen(s.precision(), adapter.isPresent() || s.grpo().beta() > 0, s.precisionSource(),
                    "grpo");
            if (adapter.isPresent()) { // the KL reference, if any, is a view on this same base
                PrecisionSettings.store(cp.model(), s.precision(), "the frozen base", err, "grpo: ");
            } else if (s.precision() != Precision.FP32) {
                err.printf("grpo: the KL reference copy stored in %s (the policy stays F32)%n", s.precision());
            }
            err.printf("grpo: %s (%,d parameters) on %s: %d steps of %d prompts x %d completions%n", s.model(),
                    cp.model().config().parameterCount(), s.task(), s.grpo().steps(), s.grpo().promptsPerStep(),
                    s.grpo().groupSize());
            int promptTokens = problems.draw(1, 0, s.grpo().promptsPerStep()).stream()
                    .mapToInt(p -> cp.tokenizer().encode(template.render(p.prompt())).length).max().orElse(0);
            MemoryNotice.print(err, "grpo: ", MemoryEstimate.grpo(cp.model().config(), MemoryNotice.trainable(cp.model()), s.grpo(),
                    promptTokens), true);
            gen = rolloutGenerator(cp, s.grpo(), adapter.isPresent(), err);
            GrpoTrainer trainer = new GrpoTrainer(cp.model(), cp.tokenizer(), template, gen, reward, problems, s.grpo(), runDir,
                    new ConsoleProgress(err, "grpo: "), s.precision());
            GrpoTrainer.Result result = trainer.train();
            Path modelOut = runDir.resolve("model");
            Provenance provenance = Provenance.of(s.grpo().seed(), Invocation.of(spec),
                    Checkpoint.sha256(modelDir), toJson(s), Map.of("steps", Long.toString(result.steps()),
                            "base_model", s.model(), "task", s.task()));
            if (adapter.isPresent()) {
                LoraDirectory.write(modelOut, adapter.get(), cp.tokenizer(), template, provenance);
            } else {
                Checkpoint.write(modelOut, cp.model(), cp.tokenizer(), template, provenance);
            }
            RunReport.write(runDir, "GRPO: " + s.model() + " on " + s.task(), REPORT_CHARTS, 24);
            PrintWriter o = spec.commandLine().getOut();
            Map<String, Double> m = result.lastMetrics();
            o.printf("wrote %s after %d steps (last step: reward %.3f, accuracy %.3f, think-rate %.3f, length %.1f); "
                            + "report in %s%n", modelOut, result.steps(), m.getOrDefault("reward", Double.NaN),
                    m.getOrDefault("accuracy", Double.NaN), m.getOrDefault("think_rate", Double.NaN),
                    m.getOrDefault("length_mean", Double.NaN), runDir.resolve("report.html"));
            o.flush();
        } finally {
            if (gen != null) {
                gen.close();
            }
        }
        return R1j.EXIT_OK;
    }

    /**
     * The sampler {@code rollout_engine} names: the DJL engine on the policy's own arrays, or ONNX Runtime
     * on a copy of its weights (reported once here), refreshed by the trainer before every step.
     */
    static Generator rolloutGenerator(Checkpoint cp, GrpoConfig g, boolean lora, PrintWriter err) {
        int rows = Math.max(64, g.completionsPerStep());
        if (g.rolloutEngine() == RolloutEngine.DJL) {
            return new DjlGenerator(cp.model(), cp.tokenizer(), rows);
        }
        OrtRolloutGenerator ort = new OrtRolloutGenerator(cp.model(), cp.tokenizer(), rows, OrtRolloutGenerator.DEFAULT_FEED, 0);
        err.printf("grpo: rollouts on ONNX Runtime (weights fed as %s, correction %s, cap %s): its copy of the %s"
                        + "weights costs %s%n", ort.feed().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                g.rolloutCorrection(), g.rolloutIsCap(), lora ? "merged (base + adapter) " : "",
                String.format(java.util.Locale.ROOT, "%.1f MB", ort.weightBytes() / 1e6));
        err.flush();
        return ort;
    }

    static final List<RunReport.Chart> REPORT_CHARTS = List.of(
            new RunReport.Chart("Reward", "mean reward", List.of("reward")),
            new RunReport.Chart("Accuracy", "share correct", List.of("accuracy")),
            new RunReport.Chart("Think-rate", "share with a <think> block", List.of("think_rate")),
            // Whether a self-checking base (corpus.check_share > 0) checks and redoes slips more or less as RL goes on.
            new RunReport.Chart("Self-checking", "share of completions", List.of("check_rate", "correction_rate")),
            new RunReport.Chart("Completion length", "tokens", List.of("length_mean", "length_max")),
            new RunReport.Chart("KL to the reference", "nats/token", List.of("kl")),
            new RunReport.Chart("Entropy and clipping", "value", List.of("entropy", "clip_low", "clip_high")),
            new RunReport.Chart("Step time split", "seconds", List.of("generation_seconds", "scoring_seconds",
                    "optimisation_seconds")));

    static Reward reward(RunSettings s) {
        return reward(s, ThinkStart.OUTSIDE);
    }

    static Reward reward(RunSettings s, ThinkStart start) {
        Reward correctness = TaskConverter.resolve(s.task()).correctness(false, s.grpo().rewardThreads());
        WeightedReward.Builder b = WeightedReward.builder().add("correct", 1.0, correctness);
        if (s.formatWeight() != 0) {
            b.add("format", s.formatWeight(), new ThinkAnswerFormat(start));
        }
        if (s.overlongBuffer() > 0) {
            b.add("overlong", 1.0, new OverlongPenalty(s.grpo().maxNewTokens(), s.overlongBuffer()));
        }
        return b.build();
    }

    static ProblemStream problems(String task, GrpoConfig c) {
        int rounds = c.dynamicSampling() ? c.maxSamplingRounds() : 1;
        Task t = TaskConverter.resolve(task);
        if (t instanceof Task.Dataset d) {
            return ProblemStream.cycling(d.trainingSet(), c.seed(), rounds);
        }
        return ProblemStream.of(t.generator().orElseThrow(), c.seed());
    }

    /** Settings from a file (or defaults when null), without the flags. */
    static RunSettings read(Path file) {
        return read(file, null);
    }

    /** Settings from a file (or defaults when null) with {@code --lora-rank} (null when not given) applied. */
    static RunSettings read(Path file, Integer loraRank) {
        return read(file, loraRank, null);
    }

    /** As {@link #read(Path, Integer)} with {@code --precision} (null when not given) applied. */
    static RunSettings read(Path file, Integer loraRank, Precision precisionFlag) {
        Optional<LoraConfig> lora = LoraSettings.read(null, loraRank);
        Precision precision = PrecisionSettings.read(null, precisionFlag);
        Path precisionSource = null;
        ObjectNode grpo = SNAKE.valueToTree(GrpoConfig.builder().build());
        String modelRef = null;
        String taskName = null;
        double formatWeight = 0;
        int overlongBuffer = 0;
        PromptSettings prompt = PromptSettings.PLAIN;
        if (file != null) {
            ConfigFile f = ConfigFile.read(file);
            f.rejectUnknown(TOP_FIELDS);
            lora = LoraSettings.read(f, loraRank);
            precision = PrecisionSettings.read(f, precisionFlag);
            precisionSource = PrecisionSettings.source(f, precisionFlag);
            modelRef = f.text("model", null);
            taskName = f.text("task", null);
            ConfigFile r = f.section("reward", REWARD_FIELDS);
            formatWeight = r.number("format_weight", 0);
            overlongBuffer = r.integer("overlong_buffer", 0);
            prompt = PromptSettings.read(f);
            JsonNode user = f.json().get("grpo");
            if (user != null) {
                if (!user.isObject()) {
                    throw ConfigFile.error(file, "grpo", "must be an object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = user.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!grpo.has(e.getKey())) {
                        throw ConfigFile.error(file, "grpo." + e.getKey(), "is not a known setting (see r1j grpo --help)");
                    }
                    grpo.set(e.getKey(), e.getValue());
                }
                // As in GrpoConfig.Builder: without a floor, the rate stays at the peak after warm-up
                // (the tree starts from the defaults, whose floor is the default rate, 1e-5).
                if (user.has("learning_rate") && !user.has("min_learning_rate")) {
                    grpo.set("min_learning_rate", user.get("learning_rate"));
                }
                // Likewise the rollout correction: unset, it follows the engine (TOKEN with ONNX Runtime).
                if (!user.has("rollout_correction")) {
                    grpo.putNull("rollout_correction");
                }
            }
        }
        return new RunSettings(modelRef, taskName, formatWeight, overlongBuffer, grpoConfig(grpo, file), lora, prompt,
                precision, precisionSource);
    }

    private RunSettings override(RunSettings s, Path file) {
        String m = model != null ? model : s.model();
        String t = task != null ? task : s.task();
        if (m == null) {
            throw new BadInputException("no model: give --model REF or 'model' in the config");
        }
        if (t == null) {
            throw new BadInputException("no task: give --task NAME or 'task' in the config");
        }
        if (s.overlongBuffer() < 0 || s.overlongBuffer() >= s.grpo().maxNewTokens()) {
            throw ConfigFile.error(file, "reward.overlong_buffer", "must be in [0, grpo.max_new_tokens), was "
                    + s.overlongBuffer());
        }
        GrpoConfig.Builder b = s.grpo().toBuilder();
        if (steps != null) {
            b.steps(steps);
        }
        if (seed != null) {
            b.seed(seed);
        }
        GrpoConfig g;
        try {
            g = b.build();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        problems(t, g); // fails early on an unknown task
        return new RunSettings(m, t, s.formatWeight(), s.overlongBuffer(), g, s.lora(), s.prompt(), s.precision(),
                s.precisionSource());
    }

    private static GrpoConfig grpoConfig(JsonNode tree, Path file) {
        try {
            return SNAKE.treeToValue(tree, GrpoConfig.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String field = e.getPath().isEmpty() ? "grpo" : "grpo." + e.getPath().get(e.getPath().size() - 1).getFieldName();
            String msg = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            if (cause != e) {
                // A broken rule starts with its field's name: point at that field's line.
                String named = msg.split("[ ;]", 2)[0];
                field = tree.has(named) ? "grpo." + named : "grpo";
            }
            throw file == null ? new BadInputException(msg) : ConfigFile.error(file, field, msg);
        } catch (IOException e) {
            throw new BadInputException("grpo settings: " + e.getMessage());
        }
    }

    static ObjectNode toJson(RunSettings s) {
        ObjectNode o = SNAKE.createObjectNode().put("model", s.model()).put("task", s.task());
        o.putObject("reward").put("format_weight", s.formatWeight()).put("overlong_buffer", s.overlongBuffer());
        o.set("grpo", SNAKE.valueToTree(s.grpo()));
        s.lora().ifPresent(l -> o.set(LoraSettings.SECTION, LoraSettings.toJson(l)));
        o.set("prompt", s.prompt().toJson());
        o.put(PrecisionSettings.FIELD, s.precision().name());
        return o;
    }
}
