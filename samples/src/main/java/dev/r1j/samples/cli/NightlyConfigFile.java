package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.distill.nightly.NightlyConfig;
import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.train.SupervisedConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code r1j nightly --config FILE}: a {@link NightlyConfig} from JSON or YAML. Absent fields keep the
 * defaults documented on {@link NightlyConfig}; a mistyped or unknown field, or a value that breaks
 * its rule, is an error naming the file, the line and the field.
 */
final class NightlyConfigFile {

    static final Set<String> TOP = Set.of("teacher", "student_base", "task", "traces", "sft", "eval", "gate", "publish_dir");
    static final Set<String> TRACES = Set.of("problems", "seed", "samples_per_problem", "selection", "cap_per_problem",
            "temperature", "max_new_tokens");
    static final Set<String> EVAL = Set.of("problems", "k", "seed", "temperature", "max_new_tokens");
    static final Set<String> GATE = Set.of("min_improvement", "bootstrap_resamples");
    /** The sft section: r1j sft's training fields (logits_chunk and gradient_checkpointing included), and a lora section. */
    static final Set<String> SFT_FIELDS = union(PretrainCommand.TRAINING_FIELDS, Set.of(LoraSettings.SECTION));

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }

    private NightlyConfigFile() {}

    static NightlyConfig read(Path file) {
        ConfigFile f = ConfigFile.read(file);
        f.rejectUnknown(TOP);
        ConfigFile t = f.section("traces", TRACES);
        ConfigFile s = f.section("sft", SFT_FIELDS);
        ConfigFile e = f.section("eval", EVAL);
        ConfigFile g = f.section("gate", GATE);
        NightlyConfig.Builder b = NightlyConfig.builder();
        if (has(f, "teacher")) b.teacher(f.text("teacher", null));
        if (has(f, "student_base")) b.studentBase(f.text("student_base", null));
        if (has(f, "task")) b.task(f.text("task", null));
        if (has(f, "publish_dir")) b.publishDir(f.text("publish_dir", null));
        if (has(t, "problems")) b.traceProblems(t.integer("problems", 0));
        if (f.json().path("traces").has("seed")) {
            JsonNode seed = t.json().get("seed");
            b.traceSeed(seed.isNull() ? null : t.longValue("seed", 0));
        }
        if (has(t, "samples_per_problem")) b.samplesPerProblem(t.integer("samples_per_problem", 0));
        if (has(t, "selection")) {
            String v = t.text("selection", null);
            try {
                b.selection(TraceSelection.valueOf(v));
            } catch (IllegalArgumentException bad) {
                throw ConfigFile.error(file, "traces.selection", "must be ALL_CORRECT or BEST_OF_N, was '" + v + "'");
            }
        }
        if (has(t, "cap_per_problem")) b.capPerProblem(t.integer("cap_per_problem", 0));
        if (has(t, "temperature")) b.traceTemperature(t.number("temperature", 0));
        if (has(t, "max_new_tokens")) b.traceMaxNewTokens(t.integer("max_new_tokens", 0));
        b.sft(sft(s, file));
        LoraSettings.read(s, "sft." + LoraSettings.SECTION, null).ifPresent(b::sftLora);
        if (has(e, "problems")) b.evalProblems(e.integer("problems", 0));
        if (has(e, "k")) b.evalK(e.integer("k", 0));
        if (has(e, "seed")) b.evalSeed(e.longValue("seed", 0));
        if (has(e, "temperature")) b.evalTemperature(e.number("temperature", 0));
        if (has(e, "max_new_tokens")) b.evalMaxNewTokens(e.integer("max_new_tokens", 0));
        if (has(g, "min_improvement")) b.minImprovement(g.number("min_improvement", 0));
        if (has(g, "bootstrap_resamples")) b.bootstrapResamples(g.integer("bootstrap_resamples", 0));
        try {
            return b.build();
        } catch (NightlyConfig.Invalid bad) {
            throw located(file, bad);
        }
    }

    /** {@code bad} located at its field's line in {@code file}. */
    static BadInputException located(Path file, NightlyConfig.Invalid bad) {
        return ConfigFile.error(file, bad.field(), bad.rule());
    }

    /** The {@code sft} section over {@link NightlyConfig#defaultSft()}. */
    private static SupervisedConfig sft(ConfigFile s, Path file) {
        SupervisedConfig d = NightlyConfig.defaultSft();
        double lr = s.number("learning_rate", d.learningRate());
        SupervisedConfig read;
        try {
            read = new SupervisedConfig(s.integer("batch_size", d.batchSize()), s.integer("sequence_length", d.sequenceLength()),
                    s.integer("gradient_accumulation", d.gradientAccumulation()), s.longValue("steps", d.steps()), lr,
                    s.number("min_learning_rate", lr / 10), s.longValue("warmup_steps", d.warmupSteps()),
                    s.number("weight_decay", d.weightDecay()), s.number("clip_norm", d.clipNorm()),
                    s.integer("eval_every", d.evalEvery()), s.integer("checkpoint_every", d.checkpointEvery()),
                    s.integer("log_every", d.logEvery()), s.longValue("seed", d.seed()));
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ConfigFile.error(file, "sft", e.getMessage());
        }
        // Memory settings, as in r1j sft: they change how the loss is computed, not its value.
        int chunk = s.integer("logits_chunk", d.logitsChunk());
        if (chunk < 1) {
            throw ConfigFile.error(file, "sft.logits_chunk", "must be >= 1 position, was " + chunk);
        }
        try {
            return read.withLogitsChunk(chunk).withGradientCheckpointing(s.bool("gradient_checkpointing", d.gradientCheckpointing()));
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ConfigFile.error(file, "sft", e.getMessage());
        }
    }

    private static boolean has(ConfigFile c, String name) {
        return c.json().has(name);
    }
}
