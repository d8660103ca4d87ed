package dev.r1j.distill.nightly;

import dev.r1j.rl.eval.Estimators;
import java.nio.file.Path;

/**
 * How a night ended.
 *
 * @param night       the night
 * @param outcome     whether its student was published
 * @param alreadyDone true when the night had finished in an earlier run and this run changed nothing
 * @param reason      the gate's decision in one sentence, with the figures it rests on
 * @param candidate   pass@1 of tonight's student on the held-out problems
 * @param baseline    pass@1 of what it was compared with, on the same problems and seeds
 * @param baselineName what the baseline was: {@code "published student (night YYYY-MM-DD)"} or {@code "student base"}
 * @param difference  mean over problems of the candidate's pass@1 minus the baseline's
 * @param differenceInterval the 95% paired-bootstrap interval of {@code difference}
 * @param manifest    the night's {@code manifest.json}
 */
public record NightlyResult(NightId night, Outcome outcome, boolean alreadyDone, String reason, PassAt1 candidate,
                            PassAt1 baseline, String baselineName, double difference,
                            Estimators.Interval differenceInterval, Path manifest) {

    /** Whether the night replaced the published student. */
    public enum Outcome {
        /** Tonight's student passed the gate and is now the published one. */
        PUBLISHED,
        /** Tonight's student did not pass the gate; the published student (if any) was kept. */
        KEPT_PREVIOUS
    }

    /**
     * pass@1 over {@code problems} x {@code k} completions.
     *
     * @param value    correct completions / all completions
     * @param interval the 95% Wilson interval over completions
     */
    public record PassAt1(double value, Estimators.Interval interval, int problems, int k) {}
}
