package dev.r1j.samples.cli;

import dev.r1j.rewards.tasks.Task;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.run.RunLock;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j traces}: verified teacher completions for distillation (rejection sampling). */
@Command(name = "traces", mixinStandardHelpOptions = true,
        description = {"Samples --samples completions per problem from a teacher, keeps only those the task's verifier "
                + "accepts (best-of-N or all distinct correct ones, at most --cap per problem), drops duplicates and "
                + "writes JSONL, one trace a line with its provenance (teacher, its SHA-256 (of the .onnx file for an ONNX teacher), sampling settings, reward, "
                + "time). Re-running the same command on the same --out continues an interrupted run."})
final class TracesCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Mixin
    ChatOptions chatOptions;

    @Mixin
    ProblemOptions problemSet = new ProblemOptions(500, 1);

    @Option(names = "--samples", defaultValue = "8", description = "Completions sampled per problem (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--selection", defaultValue = "ALL_CORRECT",
            description = "BEST_OF_N (one a problem, the teacher's most confident correct one) or ALL_CORRECT "
                    + "(default: ${DEFAULT-VALUE}).")
    TraceSelection selection;

    @Option(names = "--cap", defaultValue = "4", description = "Most traces per problem (default: ${DEFAULT-VALUE}).")
    int cap;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The traces file (JSONL).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (problemSet.n < 1) {
            throw new BadInputException("--n must be >= 1, was " + problemSet.n);
        }
        Task task = problemSet.task;
        TraceGenerator.Settings settings;
        SamplingParams params;
        try {
            params = SamplingParams.builder().temperature(sampling.temperature).maxNewTokens(sampling.maxNewTokens())
                    .seed(problemSet.seed).build();
            settings = new TraceGenerator.Settings(samples, selection, cap, params, Runtime.getRuntime().availableProcessors());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        List<Problem> set = problemSet.problems();
        PrintWriter err = spec.commandLine().getErr();
        TraceGenerator.Summary s;
        try (RunLock lock = RunLock.forFile(out);
             ModelOption.LoadedModel cp = model.open(); Generator gen = cp.generator()) {
            TraceGenerator traces = new TraceGenerator(gen, chatOptions.choose(cp.template(), ChatOptions.modelDirOf(model.model)),
                    task.correctness(false, settings.rewardThreads()), model.model, cp.sha256(),
                    settings, cp.parameterCount());
            s = traces.generate(set, out, new ConsoleProgress(err, "traces: "));
        }
        spec.commandLine().getOut().printf("%d traces for %d of %d problems in %s (%.1f%% of %d samples correct)%n", s.traces(),
                s.problemsWithTraces(), s.problems(), out, s.samples() == 0 ? 0 : 100.0 * s.correctSamples() / s.samples(),
                s.samples());
        spec.commandLine().getOut().flush();
        return R1j.EXIT_OK;
    }
}
