package dev.r1j.samples.examples;

import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.distill.onnx.OnnxModel;
import dev.r1j.distill.onnx.OrtGenerator;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How do I serve a student from ONNX Runtime? Exports a model directory to ONNX (the input and output
 * names Hugging Face Optimum uses, KV cache included, tokenizer and prompt template beside it), loads
 * the export with {@link OnnxModel} and answers a few arithmetic problems greedily with
 * {@link OrtGenerator}, grading each answer. No PyTorch runs after the export. Usage:
 * {@code ServeWithOnnxRuntime [MODEL [DIR]]} (default {@code builtin:arith-teacher-rl}, a temporary
 * directory); MODEL may also be a {@code .onnx} file, which is then served as it is.
 */
public final class ServeWithOnnxRuntime {

    private ServeWithOnnxRuntime() {}

    public static void main(String[] args) throws IOException {
        String ref = args.length > 0 ? args[0] : "builtin:arith-teacher-rl";
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("r1j-onnx-example");

        // 1. Export (skipped when given an .onnx file already).
        Path onnxFile;
        if (ref.endsWith(".onnx")) {
            onnxFile = Path.of(ref);
        } else {
            onnxFile = dir.resolve("model.onnx");
            OnnxExporter.Result r = OnnxExporter.export(BuiltinModels.resolve(ref), ref, onnxFile, true);
            System.out.printf("exported %s to %s (sha256 %s)%n", ref, r.onnxFile(), r.sha256());
        }

        // 2. Serve: one batch of prompts, greedy, on ONNX Runtime.
        List<Problem> problems = MixedTask.ARITH.generate(4, 99);
        MathReward grader = MathReward.strict();
        try (OnnxModel model = OnnxModel.load(onnxFile); OrtGenerator generator = new OrtGenerator(model)) {
            PromptTemplate template = model.template().orElse(PromptTemplate.DEFAULT);
            List<Completion> answers = generator.generate(problems.stream().map(p -> template.render(p.prompt())).toList(),
                    SamplingParams.greedy(96));
            for (Completion c : answers) {
                Problem p = problems.get(c.promptIndex());
                RewardResult verdict = grader.score(p, c.text());
                System.out.printf("%s -> %s [%s, %d tokens, %s]%n", oneLine(p.prompt()), oneLine(c.text()),
                        verdict.correct() ? "correct" : "wrong", c.length(), c.finishReason());
            }
        }
    }

    /** The text on one line: each line break shown as a backslash and an n. */
    static String oneLine(String text) {
        return text.strip().replace("\n", "\\n");
    }
}
