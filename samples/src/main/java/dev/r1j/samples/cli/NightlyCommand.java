package dev.r1j.samples.cli;

import dev.r1j.distill.nightly.CorruptionException;
import dev.r1j.distill.nightly.ModelExporter;
import dev.r1j.distill.nightly.NightId;
import dev.r1j.distill.nightly.NightlyConfig;
import dev.r1j.distill.nightly.NightlyJob;
import dev.r1j.distill.nightly.NightlyProgress;
import dev.r1j.distill.nightly.NightlyResult;
import dev.r1j.distill.nightly.Stage;
import dev.r1j.distill.nightly.StageOutcome;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.MemoryEstimate;
import dev.r1j.rl.train.SupervisedConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j nightly}: one night of distillation, published only past the regression gate. */
@Command(name = "nightly", mixinStandardHelpOptions = true,
        description = {"Runs one night of distillation in --workdir: the teacher writes verified traces of tonight's "
                + "problems, the student base is fine-tuned on them, the new student and the published one are evaluated "
                + "on the same held-out problems, and the new one is exported and published only when the 95%% "
                + "paired-bootstrap interval of the difference in pass@1 lies above gate.min_improvement. Every stage is "
                + "resumable: re-running the same night continues it, and a finished night does nothing. See "
                + "docs/nightly.md for the settings, the directory layout and scheduling.",
            "Exit codes: 0 published, or the night had finished before; 1 failure; 2 bad usage, bad settings, or "
                + "another night running in the work directory (the message names its pid); 3 the gate kept the "
                + "published student; 4 a previous night's output or the published student failed verification (the "
                + "message names the file; nothing was changed)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:published, or nothing to do", "1:failure", "2:bad usage or input, or the work directory is locked",
            "3:kept the published student (regression gate)", "4:corruption detected"})
final class NightlyCommand implements Callable<Integer> {

    /** The gate kept the published student. */
    static final int EXIT_KEPT = 3;
    /** A previous night or the published student failed verification. */
    static final int EXIT_CORRUPT = 4;

    static final class Source {
        @Option(names = "--config", paramLabel = "FILE", required = true,
                description = "Settings (JSON or YAML), the fields of docs/nightly.md.")
        Path config;

        @Option(names = "--quick", required = true, description = "Small built-in settings that finish in minutes: teacher "
                + "builtin:arith-teacher-rl, student builtin:arith-student-base.")
        boolean quick;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--workdir", required = true, paramLabel = "DIR", description = "The work directory (nights, published student, lock).")
    Path workdir;

    @Option(names = "--night", paramLabel = "YYYY-MM-DD", description = "The night to run (default: today, UTC).")
    String night;

    @Spec
    CommandSpec spec;

    /** The serving artifact of a published student: its ONNX export, for ONNX Runtime. */
    static ModelExporter servingExporter() {
        return ModelExporter.onnx();
    }

    /** The settings of {@code --quick}: under a minute on two quiet cores. */
    static NightlyConfig quick() {
        return NightlyConfig.builder().teacher("builtin:arith-teacher-rl").studentBase("builtin:arith-student-base")
                .task("arith").traceProblems(300).samplesPerProblem(2).traceMaxNewTokens(96)
                .sft(SupervisedConfig.builder().batchSize(8).sequenceLength(256).steps(100).learningRate(1e-3)
                        .minLearningRate(1e-4).warmupSteps(5).checkpointEvery(25).evalEvery(0).logEvery(10).seed(0).build())
                .evalProblems(150).evalK(4).evalSeed(7).evalMaxNewTokens(96).build();
    }

    @Override
    public Integer call() {
        NightlyConfig config = source.quick ? quick() : NightlyConfigFile.read(source.config);
        NightId id = night == null ? NightId.today() : parseNight(night);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ModelExporter exporter = servingExporter();
        printMemoryEstimate(config, err);
        long t0 = System.nanoTime();
        NightlyResult r;
        try {
            r = NightlyJob.builder(config, workdir).night(id).exporter(exporter).progress(new Console(err)).build().run();
        } catch (CorruptionException e) {
            err.println("r1j nightly: corruption detected, nothing was changed: " + e.getMessage());
            err.println("r1j nightly: the published student was not touched; inspect or restore the file, then re-run");
            err.flush();
            return EXIT_CORRUPT;
        } catch (NightlyConfig.Invalid e) {
            throw source.config != null ? NightlyConfigFile.located(source.config, e) : e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.println(summary(r, exporter, seconds));
        out.flush();
        return r.outcome() == NightlyResult.Outcome.PUBLISHED || r.alreadyDone() ? R1j.EXIT_OK : EXIT_KEPT;
    }

    /** The SFT stage's memory estimate, from the student base's config.json. */
    private static void printMemoryEstimate(NightlyConfig config, PrintWriter err) {
        TransformerConfig student;
        try {
            student = TransformerConfig.read(BuiltinModels.resolve(config.studentBase()).resolve("config.json"));
        } catch (RuntimeException e) {
            return; // the job reports a missing or unreadable student base itself, naming the setting
        }
        MemoryNotice.print(err, "nightly: sft stage ", MemoryEstimate.supervised(student, config.sft(), null, 0), false);
    }

    private static NightId parseNight(String text) {
        try {
            return NightId.parse(text);
        } catch (BadInputException e) {
            throw new BadInputException("--night: " + e.getMessage());
        }
    }

    private String summary(NightlyResult r, ModelExporter exporter, double seconds) {
        String wall = String.format(Locale.ROOT, "%dm%02ds", (long) seconds / 60, Math.round(seconds) % 60);
        if (r.alreadyDone()) {
            return String.format(Locale.ROOT, "Night %s had finished in an earlier run (%s); nothing to do. %s Manifest: %s. "
                    + "Wall time %s.", r.night(), r.outcome() == NightlyResult.Outcome.PUBLISHED ? "its student was published"
                    : "its student was not published", r.reason().isEmpty() ? "" : "The gate: " + r.reason() + ".",
                    r.manifest(), wall);
        }
        String what = r.outcome() == NightlyResult.Outcome.PUBLISHED
                ? "published its student as " + workdir.resolve("published") + " (serving artifact: " + exporter.format()
                        + (exporter.format().equals("safetensors") ? ", a copy of the checkpoint" : "") + ")"
                : r.baselineName().startsWith("published") ? "kept the published student (exit " + EXIT_KEPT + ")"
                : "did not publish its student, which did not beat the student base; nothing is published yet (exit "
                        + EXIT_KEPT + ")";
        return String.format(Locale.ROOT, "Night %s %s. The gate: %s. Manifest: %s. Wall time %s.", r.night(), what, r.reason(),
                r.manifest(), wall);
    }

    /** Stage lines and, within a stage, the progress of its steps. */
    private static final class Console implements NightlyProgress {
        private final PrintWriter err;
        private ConsoleProgress steps;
        private long stageStart;

        Console(PrintWriter err) {
            this.err = err;
            this.steps = new ConsoleProgress(err, "nightly: ");
        }

        @Override
        public void stageStarted(Stage stage) {
            stageStart = System.nanoTime();
            steps = new ConsoleProgress(err, "nightly " + stage.key() + ": ");
            err.println("nightly: stage " + stage.key() + " ...");
            err.flush();
        }

        @Override
        public void stageFinished(Stage stage, StageOutcome outcome, String summary) {
            String time = outcome == StageOutcome.DONE
                    ? String.format(Locale.ROOT, " in %.1f s", (System.nanoTime() - stageStart) / 1e9) : "";
            err.println("nightly: stage " + stage.key() + " " + outcome.key() + time + (summary.isEmpty() ? "" : ": " + summary));
            err.flush();
        }

        @Override
        public void started(String job, long firstStep, long totalSteps) {
            if (job.startsWith("eval ")) {
                steps.note(job.substring("eval ".length()));  // which of the two students
            }
            steps.started(job, firstStep, totalSteps);
        }

        @Override
        public void step(long step, Map<String, Double> figures) {
            steps.step(step, figures);
        }

        @Override
        public void note(String line) {
            steps.note(line);
        }

        @Override
        public void finished() {
            steps.finished();
        }
    }
}
