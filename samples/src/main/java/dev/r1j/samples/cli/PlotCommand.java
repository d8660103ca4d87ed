package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.report.LineChart;
import dev.r1j.report.MetricsTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code r1j plot}: columns of one or more metrics.jsonl files against step, as a PNG. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Draws columns of metrics.jsonl files (pre-training, SFT or GRPO runs) against their step as a "
                + "PNG line chart: one series per file and column, named LABEL/column (LABEL defaults to the run "
                + "directory's name). Rolling means smooth noisy per-step figures such as GRPO accuracy."})
final class PlotCommand implements Callable<Integer> {

    @Option(names = "--metrics", required = true, split = ",", paramLabel = "FILE[=LABEL]",
            description = "metrics.jsonl files, comma-separated; FILE=LABEL names a series.")
    List<String> metrics;

    @Option(names = "--columns", required = true, split = ",", description = "Columns to draw, e.g. loss,eval_loss.")
    List<String> columns;

    @Option(names = "--smooth", defaultValue = "1", description = "Rolling mean over this many steps (default: ${DEFAULT-VALUE}).")
    int smooth;

    @Option(names = "--title", defaultValue = "", description = "Chart title.")
    String title;

    @Option(names = "--y-label", defaultValue = "", description = "y-axis title (default: the columns).")
    String yLabel;

    @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "The PNG to write.")
    Path out;

    @Override
    public Integer call() {
        if (smooth < 1) {
            throw new BadInputException("--smooth must be >= 1, was " + smooth);
        }
        LineChart chart = new LineChart(title, "step", yLabel.isEmpty() ? String.join(", ", columns) : yLabel);
        for (String spec : metrics) {
            int eq = spec.indexOf('=');
            Path file = Path.of(eq < 0 ? spec : spec.substring(0, eq));
            if (!Files.exists(file)) {
                throw BadInputException.at(file, 0, null, "no such file");
            }
            Path parent = file.toAbsolutePath().getParent();
            String label = eq >= 0 ? spec.substring(eq + 1)
                    : parent.getFileName().toString().equals("run") ? parent.getParent().getFileName().toString()
                    : parent.getFileName().toString();
            MetricsTable m = MetricsTable.read(file);
            for (String c : columns) {
                String name = metrics.size() == 1 ? c : columns.size() == 1 ? label : label + "/" + c;
                chart = chart.with(name, m.column("step"), rollingMean(m.column(c), smooth));
            }
        }
        chart.writePng(out, 800, 450);
        System.out.println("wrote " + out);
        return R1j.EXIT_OK;
    }

    /** At each position, the mean of the finite values among the last {@code window} positions; NaN stays NaN. */
    static double[] rollingMean(double[] v, int window) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) {
                out[i] = Double.NaN;
                continue;
            }
            double s = 0;
            int n = 0;
            for (int j = Math.max(0, i - window + 1); j <= i; j++) {
                if (!Double.isNaN(v[j])) {
                    s += v[j];
                    n++;
                }
            }
            out[i] = s / n;
        }
        return out;
    }
}
