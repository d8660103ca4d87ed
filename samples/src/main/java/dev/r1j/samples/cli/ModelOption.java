package dev.r1j.samples.cli;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option shared by every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A model directory in Hugging Face layout: config.json, model.safetensors "
                    + "(or a sharded index), tokenizer.json.")
    String model;

    /** The directory the option names, checked to exist. */
    Path directory() {
        Path dir = Path.of(model);
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
