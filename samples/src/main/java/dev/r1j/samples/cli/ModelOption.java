package dev.r1j.samples.cli;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option shared by every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", required = true, paramLabel = "REF",
            description = "A model directory in Hugging Face layout (config.json, model.safetensors or a sharded "
                    + "index, tokenizer.json), or builtin:NAME for a model r1j ships (arith-teacher-base, "
                    + "arith-student-base).")
    String model;

    /** The directory the option names, checked to exist; a built-in model is extracted to the cache first. */
    Path directory() {
        Path dir = BuiltinModels.resolve(model);
        if (!Files.exists(dir)) {
            throw new BadInputException("--model " + model + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("--model " + model + ": not a directory (expected a model directory with "
                    + "config.json, model.safetensors and tokenizer.json)");
        }
        return dir;
    }

    /** Loads the checkpoint: config, weights, tokenizer and, where present, prompt template and provenance. */
    Checkpoint load() {
        return Checkpoint.load(directory());
    }
}
