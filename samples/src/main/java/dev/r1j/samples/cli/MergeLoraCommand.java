package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.lora.LoraMerge;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j merge-lora}: an adapter folded into its base, as a full Hugging Face checkpoint. */
@Command(name = "merge-lora", mixinStandardHelpOptions = true,
        description = {"Writes a full model directory (config.json, model.safetensors, tokenizer, provenance) whose "
                + "targeted projections are W + (lora_alpha / r) B A: it computes what the base with the adapter did, "
                + "and runs anywhere a Hugging Face checkpoint does. Weights are written in the base's stored type (F32, "
                + "F16 or BF16; the merge itself is computed in F32 and rounded to nearest even)."})
final class MergeLoraCommand implements Callable<Integer> {

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "An adapter directory (adapter_config.json, adapter_model.safetensors), PEFT's or r1j's.")
    Path adapter;

    @Option(names = "--base", paramLabel = "DIR",
            description = "The base model directory; default: the one adapter_config.json's base_model_name_or_path names.")
    Path base;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The merged model directory to write.")
    Path out;

    @Mixin
    ForceOption replace;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!Files.isDirectory(adapter) || !LoraDirectory.isAdapterDirectory(adapter)) {
            throw new BadInputException("--adapter " + adapter + ": not an adapter directory (no "
                    + LoraDirectory.CONFIG_FILE + ")");
        }
        if (Files.exists(out) && !replace.force) {
            throw new BadInputException("--out " + out + ": already exists; refusing to overwrite it (--force replaces it)");
        }
        LoraMerge.Result r = LoraMerge.merge(adapter, base, out, Invocation.of(spec));
        PrintWriter w = spec.commandLine().getOut();
        w.printf("wrote %s (weights %s, the base's type%s)%n", r.directory(), r.written(),
                r.baseTypes().equals(Set.of(r.written())) ? "" : "; the base stores " + r.baseTypes());
        w.flush();
        return R1j.EXIT_OK;
    }
}
