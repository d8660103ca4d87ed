package dev.r1j.rl.run;

import java.util.Map;
import java.util.function.Consumer;

/**
 * What a long job tells whoever watches it: where it starts, each step's figures, and notes. The
 * command line draws a progress bar from these; a program can log them or ignore them.
 */
public interface ProgressListener {

    /** The job runs steps {@code firstStep + 1 .. totalSteps} ({@code firstStep > 0} after a resume). */
    default void started(String job, long firstStep, long totalSteps) {}

    /** Step {@code step} finished; {@code figures} are the step's headline numbers in display order (loss, tok/s, ...). */
    default void step(long step, Map<String, Double> figures) {}

    /** A line worth reading on its own (resumed from, evaluation result, checkpoint written). */
    default void note(String line) {}

    /** The job ended, successfully or not. */
    default void finished() {}

    /** A listener that ignores everything. */
    static ProgressListener silent() {
        return new ProgressListener() {};
    }

    /** A listener that writes notes and every step's figures as plain lines, for logs. */
    static ProgressListener lines(Consumer<String> out) {
        return new ProgressListener() {
            private long total;

            @Override
            public void started(String job, long firstStep, long totalSteps) {
                total = totalSteps;
                out.accept(job + ": steps " + (firstStep + 1) + ".." + totalSteps);
            }

            @Override
            public void step(long step, Map<String, Double> figures) {
                out.accept("step " + step + "/" + total + "  " + format(figures));
            }

            @Override
            public void note(String line) {
                out.accept(line);
            }
        };
    }

    /** {@code name value} pairs, compactly: 4 significant digits, large numbers without decimals. */
    static String format(Map<String, Double> figures) {
        StringBuilder sb = new StringBuilder();
        figures.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append("  ");
            }
            sb.append(k).append(' ');
            if (v == null || v.isNaN()) {
                sb.append('-');
            } else if (Math.abs(v) >= 1000) {
                sb.append(String.format("%.0f", v));
            } else if (Math.abs(v) < 1e-2 && v != 0) {
                sb.append(String.format("%.2e", v));
            } else {
                sb.append(String.format("%.4g", v));
            }
        });
        return sb.toString();
    }
}
