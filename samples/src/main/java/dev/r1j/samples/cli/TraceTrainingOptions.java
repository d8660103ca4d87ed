package dev.r1j.samples.cli;

import dev.r1j.rl.model.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code r1j sft} and {@code r1j distill} share: traces in, settings, run directory out. */
final class TraceTrainingOptions {

    @Option(names = "--traces", required = true, paramLabel = "FILE", description = "Traces (JSONL from r1j traces); for r1j sft also chat "
            + "data, one {\"messages\": [...]} a line.")
    Path traces;

    @Option(names = "--config", paramLabel = "FILE", description = "Training settings (JSON or YAML): a training "
            + "section with the fields of r1j pretrain's, an optional lora section (rank, alpha, dropout, "
            + "target_modules) and an optional top-level precision (FP32|F16).")
    Path config;

    @Option(names = "--steps", description = "Overrides training.steps.")
    Long steps;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output: OUT/run and OUT/model.")
    Path out;

    @Option(names = "--lora-rank", paramLabel = "N", description = "Train a LoRA adapter of rank N on the frozen "
            + "student (lora.rank; the other lora fields as the config sets them, or at their defaults); OUT/model is "
            + "then an adapter directory.")
    Integer loraRank;

    @Option(names = "--precision", paramLabel = "P", description = "How frozen weights (a LoRA base, the distillation "
            + "teacher) are stored: FP32 (default) or F16 (half the memory, cast to F32 before each product); BF16 is "
            + "refused on this engine. Overrides the config's top-level precision.")
    Precision precision;
}
