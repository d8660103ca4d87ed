package dev.r1j.samples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code r1j sft} and {@code r1j distill} share: traces in, settings, run directory out. */
final class TraceTrainingOptions {

    @Option(names = "--traces", required = true, paramLabel = "FILE", description = "Traces (JSONL from r1j traces); for r1j sft also chat "
            + "data, one {\"messages\": [...]} a line.")
    Path traces;

    @Option(names = "--config", paramLabel = "FILE", description = "Training settings (JSON or YAML): a training "
            + "section with the fields of r1j pretrain's.")
    Path config;

    @Option(names = "--steps", description = "Overrides training.steps.")
    Long steps;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output: OUT/run and OUT/model.")
    Path out;
}
