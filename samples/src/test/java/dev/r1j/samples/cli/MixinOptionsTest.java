package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.model.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A shared option block parses the same on every command that carries it, and carries the command's
 * own default where the commands differ. Which commands carry a block is found from the command line
 * itself (mixins inside mixins included) and compared with the list below, so a command that goes back
 * to its own copy of an option fails here.
 */
class MixinOptionsTest {

    /** The mixin of type {@code type} that {@code command} carries, directly or inside another mixin. */
    private static <T> Optional<T> mixin(CommandSpec command, Class<T> type) {
        for (CommandSpec m : command.mixins().values()) {
            if (type.isInstance(m.userObject())) {
                return Optional.of(type.cast(m.userObject()));
            }
            Optional<T> nested = mixin(m, type);
            if (nested.isPresent()) {
                return nested;
            }
        }
        return Optional.empty();
    }

    /** The names of r1j's commands that carry a mixin of {@code type}. */
    private static Set<String> carriers(Class<?> type) {
        Set<String> names = new TreeSet<>();
        R1j.commandLine().getSubcommands().forEach((name, cl) -> {
            if (mixin(cl.getCommandSpec(), type).isPresent()) {
                names.add(name);
            }
        });
        return names;
    }

    /**
     * Parses {@code r1j COMMAND ARGS...} (nothing runs) and returns the command's mixin of {@code type}.
     * Every other required option gets the value "arith": a valid task name, and as good a path or a
     * model reference as any, since parsing opens no file.
     */
    private static <T> T parsed(String command, Class<T> type, String... args) {
        CommandLine cl = R1j.commandLine();
        CommandSpec spec = cl.getSubcommands().get(command).getCommandSpec();
        Set<String> given = new TreeSet<>();
        for (String a : args) {
            if (a.startsWith("--")) {
                given.add(a);
            }
        }
        List<String> line = new ArrayList<>(List.of(command));
        for (OptionSpec o : spec.options()) {
            if (o.required() && !given.contains(o.longestName())) {
                line.add(o.longestName());
                line.add("arith");
            }
        }
        line.addAll(List.of(args));
        cl.parseArgs(line.toArray(String[]::new));
        return mixin(spec, type).orElseThrow();
    }

    /** {@code value} of the mixin each carrier parsed {@code args} into, by command name. */
    private static <T> Map<String, Object> valuesOn(Set<String> commands, Class<T> type, Function<T, Object> value,
                                                    String... args) {
        Map<String, Object> out = new TreeMap<>();
        for (String c : commands) {
            out.put(c, value.apply(parsed(c, type, args)));
        }
        return out;
    }

    private static void sameOnEvery(Set<String> commands, Object expected, Map<String, Object> values) {
        assertEquals(commands, values.keySet());
        values.forEach((c, v) -> assertEquals(expected, v, "r1j " + c));
    }

    @Test
    void adapterOptionsResolveTheSameOnGrpoSftAndDistill() {
        Set<String> commands = Set.of("grpo", "sft", "distill");
        assertEquals(commands, carriers(AdapterOptions.class));
        // Every command hands the flags to LoraSettings and PrecisionSettings; what they resolve to is compared.
        sameOnEvery(commands, 8, valuesOn(commands, AdapterOptions.class,
                a -> LoraSettings.read(null, a.loraRank).map(LoraConfig::rank).orElseThrow(), "--lora-rank", "8"));
        sameOnEvery(commands, Precision.F16, valuesOn(commands, AdapterOptions.class,
                a -> PrecisionSettings.read(null, a.precision), "--precision", "F16"));
        sameOnEvery(commands, Optional.empty(), valuesOn(commands, AdapterOptions.class,
                a -> LoraSettings.read(null, a.loraRank)));
        sameOnEvery(commands, Precision.FP32, valuesOn(commands, AdapterOptions.class,
                a -> PrecisionSettings.read(null, a.precision)));
    }

    @Test
    void samplingOptionsParseTheSameOnGenerateEvalAndTraces() {
        Set<String> commands = Set.of("generate", "eval", "traces");
        assertEquals(commands, carriers(SamplingOptions.class));
        sameOnEvery(commands, List.of(0.5, 7), valuesOn(commands, SamplingOptions.class,
                s -> List.of(s.temperature, s.maxNewTokens()), "--temperature", "0.5", "--max-new-tokens", "7"));
        // Not given: 1.0, and no length, which generate and traces read as 128 and eval fits to the model.
        sameOnEvery(commands, List.of(1.0, Optional.empty()), valuesOn(commands, SamplingOptions.class,
                s -> List.of(s.temperature, Optional.ofNullable(s.maxNewTokens))));
        assertEquals(128, parsed("generate", SamplingOptions.class).maxNewTokens());
    }

    @Test
    void problemOptionsParseTheSameOnEvalAndTracesAndKeepEachCommandsDefaults() {
        Set<String> commands = Set.of("eval", "traces");
        assertEquals(commands, carriers(ProblemOptions.class));
        sameOnEvery(commands, List.of("countdown", 3, 9L, Path.of("p.jsonl")),
                valuesOn(commands, ProblemOptions.class, p -> List.of(p.task.id(), p.n, p.seed, p.problems),
                        "--task", "countdown", "--n", "3", "--seed", "9", "--problems", "p.jsonl"));
        // Evaluation and trace generation must not draw the same problems: different seeds, different counts.
        ProblemOptions eval = parsed("eval", ProblemOptions.class);
        ProblemOptions traces = parsed("traces", ProblemOptions.class);
        assertEquals(List.of(100, 0L), List.of(eval.n, eval.seed));
        assertEquals(List.of(500, 1L), List.of(traces.n, traces.seed));
        assertNull(eval.problems);
        // ... and the help of each shows its own defaults, not the other's.
        String evalHelp = R1j.commandLine().getSubcommands().get("eval").getUsageMessage();
        String tracesHelp = R1j.commandLine().getSubcommands().get("traces").getUsageMessage();
        assertTrue(Pattern.compile("--n=<n>\\s+Problems \\(default: 100\\)").matcher(evalHelp).find(), evalHelp);
        assertTrue(Pattern.compile("--seed=<seed>\\s+Problem and sampling seed \\(default: 0\\)").matcher(evalHelp).find(),
                evalHelp);
        assertTrue(Pattern.compile("--n=<n>\\s+Problems \\(default: 500\\)").matcher(tracesHelp).find(), tracesHelp);
        assertTrue(Pattern.compile("--seed=<seed>\\s+Problem and sampling seed \\(default: 1\\)").matcher(tracesHelp).find(),
                tracesHelp);
    }

    @Test
    void supervisedRunOptionsParseTheSameOnPretrainSftAndDistill() {
        Set<String> commands = Set.of("pretrain", "sft", "distill");
        assertEquals(commands, carriers(SupervisedRunOptions.class));
        sameOnEvery(commands, List.of(Path.of("runs/x"), 5L), valuesOn(commands, SupervisedRunOptions.class,
                r -> List.of(r.out, r.steps), "--out", "runs/x", "--steps", "5"));
        sameOnEvery(commands, Optional.empty(), valuesOn(commands, SupervisedRunOptions.class,
                r -> Optional.ofNullable(r.steps), "--out", "runs/x"));
    }

    @Test
    void forceParsesTheSameOnExportOnnxInitAndMergeLora() {
        Set<String> commands = Set.of("export-onnx", "init", "merge-lora");
        assertEquals(commands, carriers(ForceOption.class));
        sameOnEvery(commands, true, valuesOn(commands, ForceOption.class, f -> f.force, "--force"));
        sameOnEvery(commands, false, valuesOn(commands, ForceOption.class, f -> f.force));
    }
}
