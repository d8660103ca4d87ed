package dev.r1j.samples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code r1j sft} and {@code r1j distill} share: traces in, settings, run directory out. */
final class TraceTrainingOptions {

    @Option(names = "--traces", required = true, paramLabel = "FILE", description = "Traces (JSONL from r1j traces); for r1j sft also chat "
            + "data, one {\"messages\": [...]} a line.")
    Path traces;

    @Option(names = "--config", paramLabel = "FILE", description = "Training settings (JSON or YAML): a training "
            + "section with the fields of r1j pretrain's, and an optional lora section (rank, alpha, dropout, "
            + "target_modules).")
    Path config;

    @Option(names = "--steps", description = "Overrides training.steps.")
    Long steps;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output: OUT/run and OUT/model.")
    Path out;

    @Option(names = "--lora-rank", paramLabel = "N", description = "Train a LoRA adapter of rank N on the frozen "
            + "student (lora.rank; the other lora fields as the config sets them, or at their defaults); OUT/model is "
            + "then an adapter directory.")
    Integer loraRank;
}
