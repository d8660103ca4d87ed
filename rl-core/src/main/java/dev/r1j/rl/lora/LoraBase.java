package dev.r1j.rl.lora;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The base model an adapter belongs to, as its adapter directory records it: the base directory
 * (PEFT's {@code base_model_name_or_path}, absolute) and, for a model r1j ships, its
 * {@code builtin:NAME} and SHA-256 (kept in r1j's {@code provenance.json}).
 *
 * @param directory   the base model directory, absolute
 * @param builtinName the built-in model's name without the prefix, or empty
 * @param sha256      the base checkpoint's SHA-256 ({@code Checkpoint.sha256}), or empty when not computed
 */
public record LoraBase(Path directory, Optional<String> builtinName, Optional<String> sha256) {

    public LoraBase {
        directory = directory.toAbsolutePath().normalize();
        builtinName = builtinName == null ? Optional.empty() : builtinName;
        sha256 = sha256 == null ? Optional.empty() : sha256;
    }

    /** A base directory given by path. */
    public static LoraBase of(Path directory) {
        return new LoraBase(directory, Optional.empty(), Optional.empty());
    }
}
