package dev.r1j.samples.cli;

import dev.r1j.rl.run.ProgressListener;
import java.io.PrintWriter;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long job on stderr: a live bar with the step's figures and an ETA on a terminal;
 * on a pipe or in a log, about fifty plain lines per job, so logs stay readable.
 */
final class ConsoleProgress implements ProgressListener {

    private final PrintWriter err;
    private final boolean interactive;
    private final String prefix;
    private ProgressBar bar;
    private long total;
    private long first;
    private long startNanos;
    private long every = 1;

    /** @param prefix printed before plain lines, e.g. {@code "pretrain: "} */
    ConsoleProgress(PrintWriter err, String prefix) {
        this(err, prefix, System.console() != null);
    }

    /** @param interactive draw a live bar on {@code System.err} (only when stderr is a terminal) */
    ConsoleProgress(PrintWriter err, String prefix, boolean interactive) {
        this.err = err;
        this.prefix = prefix;
        this.interactive = interactive;
    }

    @Override
    public void started(String job, long firstStep, long totalSteps) {
        total = totalSteps;
        first = firstStep;
        startNanos = System.nanoTime();
        every = Math.max(1, totalSteps / 50);
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(job).setInitialMax(totalSteps).startsFrom(firstStep, java.time.Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setMaxRenderedLength(120)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        } else {
            err.println(prefix + "steps " + (firstStep + 1) + ".." + totalSteps);
            err.flush();
        }
    }

    @Override
    public void step(long step, Map<String, Double> figures) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(" " + ProgressListener.format(figures));
        } else if (step % every == 0 || step == total) {
            err.println(prefix + "step " + step + "/" + total + "  " + ProgressListener.format(figures) + eta(step));
            err.flush();
        }
    }

    /** "  ETA 3m05s" from the pace of the steps run so far; empty at the end or before any step. */
    private String eta(long step) {
        long done = step - first;
        if (done <= 0 || step >= total) {
            return "";
        }
        long seconds = Math.round((System.nanoTime() - startNanos) / 1e9 / done * (total - step));
        return seconds >= 3600 ? String.format("  ETA %dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : String.format("  ETA %dm%02ds", seconds / 60, seconds % 60);
    }

    @Override
    public void note(String line) {
        if (bar != null) {
            System.err.print("\r\033[K"); // clear the bar's line; it is redrawn at the next refresh
            System.err.flush();
        }
        err.println(prefix + line);
        err.flush();
    }

    @Override
    public void finished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
