package dev.r1j.samples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonFactory;
import dev.r1j.distill.onnx.OnnxModel;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.model.CausalLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j logits}: the model's logits for every position of a token sequence, for parity checks. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Needs config.json and the weights only (no tokenizer); an .onnx model runs on ONNX Runtime. Prints {\"logits\": [[...], ...]}: one row of vocab_size floats per input position, "
                + "positions 0..T-1, full float precision (shortest text that reads back to the same float)."})
final class LogitsCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--ids", required = true, paramLabel = "1,2,3", description = "Comma-separated token ids.")
    String ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int[] tokens = parseIds(ids);
        float[][] logits;
        if (model.isOnnx()) {
            try (OnnxModel onnx = OnnxModel.load(Path.of(model.model))) {
                logits = onnx.logits(tokens);
            }
        } else {
            try (CausalLm lm = Checkpoint.loadModel(model.directory())) {
                logits = lm.logits(tokens);
            }
        }
        {
            PrintWriter out = spec.commandLine().getOut();
            try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeArrayFieldStart("logits");
                for (float[] row : logits) {
                    g.writeStartArray();
                    for (float v : row) {
                        g.writeNumber(v);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.println();
            out.flush();
        }
        return R1j.EXIT_OK;
    }

    static int[] parseIds(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new BadInputException("--ids: at least one token id is needed");
        }
        String[] parts = trimmed.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                out[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new BadInputException("--ids: item " + (i + 1) + " ('" + p + "') is not an integer token id");
            }
        }
        return out;
    }
}
