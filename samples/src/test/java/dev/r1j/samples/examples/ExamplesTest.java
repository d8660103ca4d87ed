package dev.r1j.samples.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.report.MetricsTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example program with tiny settings and checks what it prints and writes. */
class ExamplesTest {

    @TempDir
    Path tmp;

    /** What {@code main} printed on standard output. */
    private static String run(ThrowingMain main) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return out;
    }

    @FunctionalInterface
    private interface ThrowingMain {
        void run() throws Exception;
    }

    @Test
    void gradeAnswersScoresCorrectnessAndFormatSeparately() throws Exception {
        String out = run(() -> GradeAnswers.main(new String[0]));
        assertTrue(out.contains("gold answer: 18"), out);
        // right and well formed; right in a box; wrong but well formed; no explicit answer; right, no think block
        assertTrue(out.contains("score 1.10  correct true "), out);
        assertTrue(out.contains("score 1.00  correct true   extracted '18' "), out);
        assertTrue(out.contains("score 0.10  correct false  extracted '32'"), out);
        assertTrue(out.contains("score 0.00  correct false  extracted ''"), out);
        assertTrue(out.contains("components {correct=1.0, format=0.0}"), out);
    }

    @Test
    void grpoWithCustomRewardLogsEachComponentEveryStep() throws Exception {
        Path runDir = tmp.resolve("grpo");
        String out = run(() -> GrpoWithCustomReward.main(new String[] {"2", runDir.toString()}));
        assertTrue(out.contains("step  reward  correct  short"), out);
        Matcher rows = Pattern.compile("(?m)^ +(\\d) +([0-9.]+) +([0-9.]+) +([0-9.]+) ").matcher(out);
        int n = 0;
        while (rows.find()) {
            n++;
            assertEquals(n, Integer.parseInt(rows.group(1)), out);
            double reward = Double.parseDouble(rows.group(2));
            double correct = Double.parseDouble(rows.group(3));
            double brevity = Double.parseDouble(rows.group(4));
            assertEquals(correct + 0.2 * brevity, reward, 2e-3, "reward = correct + 0.2 x short: " + out);
        }
        assertEquals(2, n, out);
        assertTrue(out.contains("trained 2 steps"), out);
        assertEquals(2, MetricsTable.read(runDir.resolve("metrics.jsonl")).size());
        assertTrue(Files.exists(runDir.resolve("checkpoints/step-2/model.safetensors")));
    }

    @Test
    void distilFromTracesWritesVerifiedTracesAndTrainsTheStudent() throws Exception {
        Path dir = tmp.resolve("distil");
        Files.createDirectories(dir);
        String out = run(() -> DistilFromTraces.main(new String[] {"6", "2", dir.toString()}));
        Matcher kept = Pattern.compile("traces: (\\d+) kept for (\\d+) of 6 problems").matcher(out);
        assertTrue(kept.find(), out);
        int traces = Integer.parseInt(kept.group(1));
        assertTrue(traces > 0, out);
        assertEquals(traces, TraceGenerator.read(dir.resolve("traces.jsonl")).size());
        assertTrue(TraceGenerator.read(dir.resolve("traces.jsonl")).stream().allMatch(t -> t.reward() == 1.0));
        assertTrue(out.contains("student: 2 steps on " + traces + " traces, last loss "), out);
        assertEquals(2, MetricsTable.read(dir.resolve("sft/metrics.jsonl")).size());
    }

    @Test
    void generateExampleSamplesFourCompletions() throws Exception {
        String model = BuiltinModels.resolve("builtin:arith-teacher-rl").toString();
        String out = run(() -> GenerateExample.main(new String[] {model, "12*34"}));
        assertEquals(4, Pattern.compile("(?m)^\\[(EOS|LENGTH|STOP_STRING), \\d+ tokens, log-prob -?[0-9.]+\\] ").matcher(out).results().count(),
                out);
    }

    @Test
    void serveWithOnnxRuntimeAnswersAsTheDjlEngineDoes() throws Exception {
        String out = run(() -> ServeWithOnnxRuntime.main(new String[] {"builtin:arith-teacher-rl", tmp.toString()}));
        assertTrue(out.startsWith("exported builtin:arith-teacher-rl to " + tmp.resolve("model.onnx")), out);
        List<String> served = out.lines().filter(l -> l.contains(" -> ")).map(l -> l.substring(l.indexOf(" -> ") + 4,
                l.lastIndexOf(" ["))).toList();
        assertEquals(4, served.size(), out);
        // The same greedy answers from the checkpoint on DJL.
        List<dev.r1j.rewards.Problem> problems = dev.r1j.rewards.tasks.MixedTask.ARITH.generate(4, 99);
        try (dev.r1j.rl.checkpoint.Checkpoint cp = dev.r1j.rl.checkpoint.Checkpoint.load(
                BuiltinModels.resolve("builtin:arith-teacher-rl"));
             dev.r1j.rl.generate.DjlGenerator gen = new dev.r1j.rl.generate.DjlGenerator(cp.model(), cp.tokenizer())) {
            dev.r1j.rl.tokenizer.PromptTemplate t = cp.template().orElseThrow();
            List<String> djl = gen.generate(problems.stream().map(p -> t.render(p.prompt())).toList(),
                    dev.r1j.rl.generate.SamplingParams.greedy(96)).stream().map(c -> ServeWithOnnxRuntime.oneLine(c.text())).toList();
            assertEquals(djl, served);
        }
    }
}
