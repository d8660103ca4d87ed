package dev.r1j.samples.cli;

import dev.r1j.rl.model.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --lora-rank} and {@code --precision}: what a training command trains (a LoRA adapter or every
 * weight) and how it stores the weights it never updates. Shared by grpo, sft and distill; both flags
 * override the run config ({@link LoraSettings}, {@link PrecisionSettings}), so both stay null when not given.
 */
final class AdapterOptions {

    @Option(names = "--lora-rank", paramLabel = "N", description = "Train a LoRA adapter of rank N on the frozen "
            + "model (lora.rank; the other lora fields as the config sets them, or at their defaults); the model "
            + "directory written (and grpo's checkpoints) is then an adapter directory.")
    Integer loraRank;

    @Option(names = "--precision", paramLabel = "P", description = "How frozen weights (a LoRA base, grpo's KL "
            + "reference copy, the distillation teacher) are stored: FP32 (default) or F16 (half the memory, cast to F32 "
            + "before each product); BF16 is refused on this engine. Overrides the config's top-level precision.")
    Precision precision;
}
