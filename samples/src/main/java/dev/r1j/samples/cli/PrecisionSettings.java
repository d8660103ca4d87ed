package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Precision;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The top-level {@code precision} key of the grpo, sft and distill configs and their
 * {@code --precision} flag: how the run stores the weights it never updates (see {@link Precision}).
 * Default {@link Precision#FP32}. A value the engine cannot hold (BF16), or F16 for a run with no
 * frozen weights, is bad input before any work starts.
 */
final class PrecisionSettings {

    static final String FIELD = "precision";

    private PrecisionSettings() {}

    /** The flag when given, else {@code file}'s {@code precision} (file may be null), else FP32; checked. */
    static Precision read(ConfigFile file, Precision flag) {
        if (flag != null) {
            flag.unsupportedReason().ifPresent(reason -> {
                throw new BadInputException("--precision " + flag + ": " + reason);
            });
            return flag;
        }
        if (file == null) {
            return Precision.FP32;
        }
        Precision p = file.choice(FIELD, Precision.FP32);
        p.unsupportedReason().ifPresent(reason -> {
            throw ConfigFile.error(file.file(), FIELD, reason);
        });
        return p;
    }

    /** The file a run's precision was read from, for messages: null when the flag gave it or the file has no key. */
    static Path source(ConfigFile file, Precision flag) {
        return flag == null && file != null && file.json().hasNonNull(FIELD) ? file.file() : null;
    }

    /**
     * Refuses half precision for a run that freezes nothing (full fine-tuning without a reference or
     * teacher): float16 is a storage format for frozen weights here, and trainable weights, their
     * gradients and moments stay float32. {@code file} (may be null) is where the key was read.
     */
    static void requireFrozen(Precision p, boolean anythingFrozen, Path file, String command) {
        if (p == Precision.FP32 || anythingFrozen) {
            return;
        }
        String message = p + " stores frozen weights in half precision, and this " + command + " run freezes none "
                + "(full fine-tuning" + (command.equals("grpo") ? " with beta 0: no KL reference" : "") + "); train a LoRA "
                + "adapter (lora section or --lora-rank N) on the " + p + " base, or use FP32";
        throw file == null ? new BadInputException("--precision " + p + ": " + message)
                : ConfigFile.error(file, FIELD, message);
    }

    /** Stores {@code model}'s frozen matrices in {@code p} and says so on {@code err} ({@code what} names them). */
    static void store(CausalLm model, Precision p, String what, PrintWriter err, String prefix) {
        if (p == Precision.FP32) {
            return;
        }
        model.storeFrozenWeights(p);
        err.printf("%s%s stored in %s (cast to F32 for each product; trainable weights stay F32)%n", prefix, what, p);
    }
}
