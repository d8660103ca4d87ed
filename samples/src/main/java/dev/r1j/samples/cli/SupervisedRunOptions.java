package dev.r1j.samples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --out} and {@code --steps} of the commands that run the supervised trainer (pretrain, sft,
 * distill): the directory that receives the run and the model, and the override of {@code training.steps}.
 */
final class SupervisedRunOptions {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output: OUT/run (metrics, checkpoints) and OUT/model.")
    Path out;

    @Option(names = "--steps", description = "Overrides training.steps.")
    Long steps;
}
