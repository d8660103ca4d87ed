package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.run.RunLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code r1j demo}: the main job, base model to RL reasoner to distilled student, on the built-in models. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The DeepSeek-R1 recipe end to end on the models r1j ships, on this machine's CPU: evaluate "
                + "builtin:arith-teacher-base; train it with GRPO on an outcome reward only; evaluate it again; let it write "
                + "verified traces; evaluate builtin:arith-student-base; fine-tune the student on the traces; evaluate it "
                + "again. Writes OUT/report.html (tables, curves, answers before and after, cost) and OUT/summary.json, "
                + "with every model, run and trace file beside them; the student is also exported to ONNX and served by "
                + "ONNX Runtime.",
                "The full run takes about 11 minutes on two cores; --quick about 3."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Every stage, smaller: 40 RL steps instead of 150, half the traces and SFT "
            + "steps, 2 samples per evaluation problem instead of 4 (about three minutes on two cores).")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "Where everything goes (default: a new runs/demo-DATE-TIME). "
            + "Must not exist or be empty: a demo never overwrites another.")
    Path out;

    @Option(names = "--plan", hidden = true, description = "full, quick or smoke (toy sizes, for tests).")
    String plan;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        DemoPlan p = plan();
        Path dir = out != null ? out
                : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir) && !isEmpty(dir)) {
            throw new BadInputException("--out " + dir + " already exists and is not empty; a demo never overwrites "
                    + "another run: choose a new directory or remove that one");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter o = spec.commandLine().getOut();
        long start = System.nanoTime();
        try (RunLock lock = RunLock.acquire(dir)) {
            err.printf("r1j demo (%s plan) into %s%n", p.name(), dir);
            err.flush();
            DemoRun.Outcome outcome = new DemoRun(p, dir, err, Invocation.of(spec)).run();
            DemoReport.write(dir, outcome);
            double minutes = (System.nanoTime() - start) / 60e9;
            o.printf("%n%-22s %8s  %-15s %s%n", "model", "pass@1", "95% interval", "think-rate");
            for (DemoRun.Evaluated e : outcome.models().values()) {
                o.printf("%-22s %7.1f%%  [%4.1f, %4.1f]%%  %5.0f%%%n", e.label(), 100 * e.report().passAt1(),
                        100 * e.report().passAt1Interval().low(), 100 * e.report().passAt1Interval().high(),
                        100 * e.report().thinkRate());
            }
            o.printf("%nfinished in %.1f minutes; report: %s%nsummary: %s%n", minutes, dir.resolve("report.html"),
                    dir.resolve("summary.json"));
            o.flush();
        }
        return R1j.EXIT_OK;
    }

    private DemoPlan plan() {
        if (plan == null) {
            return quick ? DemoPlan.quick() : DemoPlan.full();
        }
        if (quick) {
            throw new BadInputException("give --quick or --plan, not both");
        }
        return switch (plan) {
            case "full" -> DemoPlan.full();
            case "quick" -> DemoPlan.quick();
            case "smoke" -> DemoPlan.smoke();
            default -> throw new BadInputException("--plan must be full, quick or smoke, was " + plan);
        };
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
