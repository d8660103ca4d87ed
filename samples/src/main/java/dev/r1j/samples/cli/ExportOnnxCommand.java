package dev.r1j.samples.cli;

import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j export-onnx}: a model as one ONNX file that ONNX Runtime runs, with its companions beside it. */
@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = {"Exports a model to ONNX (opset 17, standard operators, Hugging Face Optimum's input and output "
                + "names: input_ids, attention_mask, position_ids, past_key_values.N.key/.value -> logits, present.N.key/.value). "
                + "Beside FILE.onnx it writes config.json, tokenizer.json, tokenizer_config.json, prompt_template.json and "
                + "provenance.json (source, its SHA-256, r1j version, time, the .onnx SHA-256): one model per directory. "
                + "Weights over about 1.8 GB go to FILE.onnx.data (ONNX external data).",
            "Then: r1j generate|eval|traces|logits --model FILE.onnx."})
final class ExportOnnxCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write.")
    Path out;

    @Mixin
    ForceOption replace;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (Files.exists(out) && !replace.force) {
            throw new BadInputException(out + ": already exists; refusing to overwrite it (--force replaces it)");
        }
        Path dir = model.directory();
        OnnxExporter.Result r;
        if (model.isAdapter()) {
            // An ONNX graph holds plain weights: an adapter is exported merged into its base.
            try (Checkpoint cp = model.load()) {
                cp.model().mergeAdapter();
                r = OnnxExporter.export(cp.model(), cp.tokenizer(), cp.template().orElse(null), out, replace.force);
            }
        } else {
            r = OnnxExporter.export(dir, model.model, out, replace.force);
        }
        PrintWriter w = spec.commandLine().getOut();
        for (Path f : r.files()) {
            w.printf("wrote %s (%d bytes)%n", f, size(f));
        }
        w.printf("sha256 %s  %s%n", r.sha256(), r.onnxFile());
        w.flush();
        return R1j.EXIT_OK;
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
