package dev.r1j.samples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
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

    /** {@code --out} and {@code --steps}, as pretrain has them. */
    @Mixin
    SupervisedRunOptions run;

    /** {@code --lora-rank} and {@code --precision}, as grpo has them. */
    @Mixin
    AdapterOptions adapterOptions;
}
