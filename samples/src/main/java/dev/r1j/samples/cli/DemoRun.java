package dev.r1j.samples.cli;

import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.distill.onnx.OnnxModel;
import dev.r1j.distill.onnx.OrtGenerator;
import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.eval.EvalReport;
import dev.r1j.rl.eval.Evaluation;
import dev.r1j.rl.eval.Opening;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.grpo.GrpoTrainer;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.report.RunReport;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stages of {@code r1j demo}, top to bottom: the R1 story on the models r1j ships. Reasoning is
 * elicited from the base teacher by pure RL on an outcome reward, then distilled into the smaller
 * student through the RL teacher's verified traces; every model is evaluated on the same held-out
 * problems and seeds. The student is then exported to ONNX and served by ONNX Runtime.
 */
final class DemoRun {

    /** One evaluated model: what it is, how it did, what producing and evaluating it took, a few answers. */
    record Evaluated(String key, String label, EvalReport report, double seconds, List<Example> examples) {}

    /** One completion shown in the report. */
    record Example(String prompt, String completion, boolean correct) {}

    /**
     * The distilled student served from its ONNX export: greedy answers from ONNX Runtime compared token
     * for token with DJL's on the same prompts.
     */
    record Served(Path onnxFile, String sha256, int prompts, int identical, int correct, double tokensPerSecond,
                  List<Example> examples) {}

    /** Everything the report needs. */
    record Outcome(DemoPlan plan, Map<String, Evaluated> models, Path grpoRun, Path traces, long traceCount, Served served,
                   CostLedger ledger, Map<String, Double> stageSeconds, String command) {}

    private static final int STAGES = 9;
    /** Prompts the ONNX export answers greedily, on both engines. */
    private static final int SERVED_PROMPTS = 32;
    private static final int EXAMPLES = 4;

    private final DemoPlan plan;
    private final Path out;
    private final PrintWriter console;
    private final String command;
    private final Map<String, Evaluated> models = new java.util.LinkedHashMap<>();
    private final Map<String, Double> stageSeconds = new java.util.LinkedHashMap<>();
    private final CostLedger ledger = new CostLedger();
    private final List<Problem> evalSet;
    private final Reward correctness;
    private int stage;

    DemoRun(DemoPlan plan, Path out, PrintWriter console, String command) {
        this.plan = plan;
        this.out = out;
        this.console = console;
        this.command = command;
        this.evalSet = DemoPlan.TASK.problems(plan.evalProblems(), DemoPlan.EVAL_SEED, null);
        this.correctness = DemoPlan.TASK.correctness(false, Runtime.getRuntime().availableProcessors());
    }

    Outcome run() {
        Path teacherRl = out.resolve("teacher-rl");
        Path grpoRun = out.resolve("grpo");
        Path traces = out.resolve("traces.jsonl");
        Path student = out.resolve("student-distilled");

        try (Checkpoint teacher = Checkpoint.load(BuiltinModels.resolve(DemoPlan.TEACHER))) {
            begin("Evaluate the base teacher, " + DemoPlan.TEACHER);
            evaluate("teacher_base", "teacher, base", teacher, 0);

            begin("Reinforcement learning (GRPO, outcome reward only) on the teacher");
            double rlSeconds = grpo(teacher, grpoRun, teacherRl);

            begin("Evaluate the teacher after RL");
            evaluate("teacher_rl", "teacher, after RL", teacher, rlSeconds);

            begin("The RL teacher writes verified traces");
            long traceCount = traces(teacher, teacherRl, traces);

            try (Checkpoint base = Checkpoint.load(BuiltinModels.resolve(DemoPlan.STUDENT))) {
                begin("Evaluate the base student, " + DemoPlan.STUDENT);
                evaluate("student_base", "student, base", base, 0);

                begin("Distil: SFT of the student on the teacher's traces");
                double sftSeconds = sft(base, traces, student) + stageSeconds.get("traces");

                begin("Evaluate the distilled student");
                evaluate("student_distilled", "student, distilled", base, sftSeconds);

                begin("Export the student to ONNX and serve it with ONNX Runtime");
                Served served = serve(base, student, out.resolve("student-onnx").resolve(OnnxModel.DEFAULT_FILE));

                begin("Write the report");
                return new Outcome(plan, models, grpoRun, traces, traceCount, served, ledger, stageSeconds, command);
            }
        }
    }

    private long stageStart;

    /** Starts the next stage: a numbered headline, and the clock for the stage before it. */
    private void begin(String headline) {
        stage++;
        stageStart = System.nanoTime();
        console.printf("%n[%d/%d] %s%n", stage, STAGES, headline);
        console.flush();
    }

    private double elapsed() {
        return (System.nanoTime() - stageStart) / 1e9;
    }

    /** Pass@1 with its interval on the held-out set, plus a few answers for the report. */
    private void evaluate(String key, String label, Checkpoint cp, double producedInSeconds) {
        PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
        SamplingParams params = SamplingParams.builder().temperature(1.0).seed(DemoPlan.EVAL_SEED)
                .maxNewTokens(EvalCommand.fittingLength(cp.tokenizer(), cp.model().config().maxPositionEmbeddings(), template, evalSet,
                        Opening.FREE)).build();
        EvalReport r;
        List<Example> examples = new ArrayList<>();
        try (DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            r = Evaluation.run(gen, template, evalSet, correctness, plan.evalSamples(), params,
                    new ConsoleProgress(console, "  eval: "));
            List<Problem> shown = evalSet.subList(0, Math.min(EXAMPLES, evalSet.size()));
            List<Completion> cs = gen.generate(shown.stream().map(p -> template.render(p.prompt())).toList(),
                    params.toBuilder().seed(1).build());
            for (Completion c : cs) {
                Problem p = shown.get(c.promptIndex());
                RewardResult v = correctness.score(p, c.text());
                examples.add(new Example(p.prompt(), c.text(), v.correct()));
            }
        }
        double seconds = elapsed();
        long tokens = Math.round(r.meanLength() * r.problems() * r.k());
        ledger.add("evaluation", seconds, tokens, 2.0 * cp.model().config().parameterCount() * tokens);
        stageSeconds.put("eval " + key, seconds);
        models.put(key, new Evaluated(key, label, r, producedInSeconds + seconds, examples));
        console.printf("  %s: pass@1 %.1f%% [%.1f, %.1f], think-rate %.0f%%, %.1f tokens (%d problems x %d, %.0f s)%n", label,
                100 * r.passAt1(), 100 * r.passAt1Interval().low(), 100 * r.passAt1Interval().high(), 100 * r.thinkRate(),
                r.meanLength(), r.problems(), r.k(), seconds);
        console.flush();
    }

    /** GRPO on the teacher, in place; its run directory keeps metrics, samples, ledger and its own report. */
    private double grpo(Checkpoint teacher, Path runDir, Path modelOut) {
        GrpoCommand.RunSettings settings = new GrpoCommand.RunSettings(DemoPlan.TEACHER, DemoPlan.TASK.id(), 0, 0, plan.grpo());
        PromptTemplate template = teacher.template().orElse(PromptTemplate.DEFAULT);
        console.printf("  %d steps of %d prompts x %d completions, reward 1 for a correct <answer>, no format reward, no KL%n",
                plan.grpo().steps(), plan.grpo().promptsPerStep(), plan.grpo().groupSize());
        console.flush();
        GrpoTrainer.Result result;
        try (DjlGenerator gen = new DjlGenerator(teacher.model(), teacher.tokenizer(),
                Math.max(64, plan.grpo().completionsPerStep()))) {
            result = new GrpoTrainer(teacher.model(), teacher.tokenizer(), template, gen, GrpoCommand.reward(settings),
                    GrpoCommand.problems(DemoPlan.TASK.id(), plan.grpo()), plan.grpo(), runDir,
                    new ConsoleProgress(console, "  grpo: ")).train();
        }
        Checkpoint.write(modelOut, teacher.model(), teacher.tokenizer(), template, Provenance.of(plan.grpo().seed(), command,
                Checkpoint.sha256(BuiltinModels.resolve(DemoPlan.TEACHER)), GrpoCommand.toJson(settings),
                Map.of("steps", Long.toString(result.steps()), "base_model", DemoPlan.TEACHER, "task", DemoPlan.TASK.id())));
        RunReport.write(runDir, "GRPO: " + DemoPlan.TEACHER + " on " + DemoPlan.TASK.id(), GrpoCommand.REPORT_CHARTS, 24);
        addLedger("grpo", runDir.resolve("ledger.json"));
        double seconds = elapsed();
        stageSeconds.put("grpo", seconds);
        Map<String, Double> m = result.lastMetrics();
        console.printf("  last step: reward %.2f, think-rate %.2f, length %.1f (%.0f s); model in %s%n",
                m.getOrDefault("reward", Double.NaN), m.getOrDefault("think_rate", Double.NaN),
                m.getOrDefault("length_mean", Double.NaN), seconds, modelOut);
        console.flush();
        return seconds;
    }

    /** Rejection sampling from the RL teacher on problems the evaluation never draws. */
    private long traces(Checkpoint teacher, Path teacherDir, Path file) {
        SamplingParams sampling = SamplingParams.builder().temperature(1.0).maxNewTokens(DemoPlan.MAX_NEW_TOKENS)
                .seed(DemoPlan.TRACE_SEED).build();
        TraceGenerator.Settings settings = new TraceGenerator.Settings(plan.traceSamples(), TraceSelection.ALL_CORRECT, 4,
                sampling, Runtime.getRuntime().availableProcessors());
        List<Problem> problems = DemoPlan.TASK.problems(plan.traceProblems(), DemoPlan.TRACE_SEED, null);
        TraceGenerator.Summary s;
        try (DjlGenerator gen = new DjlGenerator(teacher.model(), teacher.tokenizer())) {
            s = new TraceGenerator(gen, teacher.template().orElse(PromptTemplate.DEFAULT), correctness, "teacher-rl",
                    Checkpoint.sha256(teacherDir), settings, teacher.model().config().parameterCount())
                    .generate(problems, file, new ConsoleProgress(console, "  traces: "));
        }
        addLedger("traces", TraceGenerator.ledgerFile(file));
        double seconds = elapsed();
        stageSeconds.put("traces", seconds);
        console.printf("  %,d of %,d samples correct; kept %,d distinct traces for %,d of %,d problems (%.0f s)%n",
                s.correctSamples(), s.samples(), s.traces(), s.problemsWithTraces(), s.problems(), seconds);
        console.flush();
        return s.traces();
    }

    /** Trains the student in place on the traces (completion tokens only) and writes it. */
    private double sft(Checkpoint student, Path traces, Path modelOut) {
        List<Trace> all = TraceGenerator.read(traces);
        if (all.isEmpty()) {
            throw new IllegalStateException("the teacher wrote no correct traces to learn from (" + traces + ")");
        }
        List<TrainingExample> examples = TraceExamples.of(all, student.tokenizer());
        console.printf("  %d steps of %d x %d tokens on %,d traces%n", plan.sft().steps(), plan.sft().batchSize(),
                plan.sft().sequenceLength(), examples.size());
        console.flush();
        Path runDir = out.resolve("sft");
        SupervisedTrainer.Result r = new SupervisedTrainer(student.model(), plan.sft(), runDir, student.tokenizer().padId(),
                new ConsoleProgress(console, "  sft: ")).train(examples, List.of());
        Checkpoint.write(modelOut, student.model(), student.tokenizer(), student.template().orElse(PromptTemplate.DEFAULT),
                Provenance.of(plan.sft().seed(), command, Checkpoint.sha256(BuiltinModels.resolve(DemoPlan.STUDENT)),
                        new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(plan.sft()),
                        Map.of("traces", traces.toString(), "traces_count", Integer.toString(all.size()))));
        addLedger("sft", runDir.resolve(SupervisedTrainer.LEDGER));
        double seconds = elapsed();
        stageSeconds.put("sft", seconds);
        console.printf("  loss %.3f after %d steps (%.0f s); model in %s%n", r.lastLoss(), r.steps(), seconds, modelOut);
        console.flush();
        return seconds;
    }

    /** Exports the student's directory and has ONNX Runtime answer greedily what DJL answers greedily. */
    private Served serve(Checkpoint student, Path studentDir, Path onnxFile) {
        OnnxExporter.Result export = OnnxExporter.export(studentDir, "student-distilled", onnxFile, false);
        PromptTemplate template = student.template().orElse(PromptTemplate.DEFAULT);
        List<Problem> asked = evalSet.subList(0, Math.min(SERVED_PROMPTS, evalSet.size()));
        List<String> prompts = asked.stream().map(p -> template.render(p.prompt())).toList();
        SamplingParams greedy = SamplingParams.greedy(DemoPlan.MAX_NEW_TOKENS);
        List<Completion> djl;
        try (DjlGenerator gen = new DjlGenerator(student.model(), student.tokenizer())) {
            djl = gen.generate(prompts, greedy);
        }
        List<Completion> ort;
        double seconds;
        try (OnnxModel model = OnnxModel.load(onnxFile); OrtGenerator gen = new OrtGenerator(model)) {
            long start = System.nanoTime();
            ort = gen.generate(prompts, greedy);
            seconds = (System.nanoTime() - start) / 1e9;
        }
        int identical = 0;
        int correct = 0;
        long tokens = 0;
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < ort.size(); i++) {
            Completion c = ort.get(i);
            identical += java.util.Arrays.equals(c.tokenIds(), djl.get(i).tokenIds()) ? 1 : 0;
            boolean ok = correctness.score(asked.get(i), c.text()).correct();
            correct += ok ? 1 : 0;
            tokens += c.length();
            if (examples.size() < EXAMPLES) {
                examples.add(new Example(asked.get(i).prompt(), c.text(), ok));
            }
        }
        double tps = tokens / Math.max(seconds, 1e-9);
        stageSeconds.put("onnx", elapsed());
        console.printf("  wrote %s (sha256 %s...)%n  ONNX Runtime, greedy, %d prompts in one batch: %d of %d answers identical to "
                        + "DJL's token for token, %d correct, %.0f tokens/s%n", onnxFile, export.sha256().substring(0, 12),
                prompts.size(), identical, prompts.size(), correct, tps);
        console.flush();
        return new Served(onnxFile, export.sha256(), prompts.size(), identical, correct, tps, examples);
    }

    /** Folds a stage's own ledger into the demo's, its stages prefixed with the stage's name. */
    private void addLedger(String prefix, Path file) {
        CostLedger.read(file).stages().forEach((name, s) -> ledger.add(prefix + " " + name, s.seconds(), s.tokens(), s.flops()));
    }
}
