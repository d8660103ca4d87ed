package dev.r1j.samples.examples;

import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.MixedTask;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How do I distil a teacher into a student? Samples completions of {@code builtin:arith-teacher-rl}
 * for a few problems, keeps only verified ones as traces (rejection sampling, written to
 * {@code traces.jsonl}), then fine-tunes {@code builtin:arith-student-base} on them with the loss on
 * the completion tokens only. Usage: {@code DistilFromTraces [PROBLEMS [STEPS [DIR]]]} (default 16
 * problems, 5 steps, a temporary directory).
 */
public final class DistilFromTraces {

    private DistilFromTraces() {}

    public static void main(String[] args) throws IOException {
        int problems = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("r1j-distil-example");
        Path tracesFile = dir.resolve("traces.jsonl");

        // 1. Traces: 4 samples per problem from the teacher, every distinct correct one kept (at most 2).
        String teacherRef = "builtin:arith-teacher-rl";
        Path teacherDir = BuiltinModels.resolve(teacherRef);
        List<Problem> set = MixedTask.ARITH.generate(problems, 11);
        SamplingParams sampling = SamplingParams.builder().temperature(1.0).maxNewTokens(96).seed(11).build();
        try (Checkpoint teacher = Checkpoint.load(teacherDir);
             DjlGenerator gen = new DjlGenerator(teacher.model(), teacher.tokenizer())) {
            TraceGenerator traces = new TraceGenerator(gen, teacher.template().orElse(PromptTemplate.DEFAULT),
                    MathReward.strict(), teacherRef, Checkpoint.sha256(teacherDir),
                    new TraceGenerator.Settings(4, TraceSelection.ALL_CORRECT, 2, sampling, 1));
            TraceGenerator.Summary s = traces.generate(set, tracesFile, ProgressListener.silent());
            System.out.printf("traces: %d kept for %d of %d problems (%d of %d samples correct) in %s%n", s.traces(),
                    s.problemsWithTraces(), s.problems(), s.correctSamples(), s.samples(), tracesFile);
        }

        // 2. SFT: prompt + teacher completion + end-of-sequence, loss on the completion only.
        List<Trace> all = TraceGenerator.read(tracesFile);
        SupervisedConfig config = SupervisedConfig.builder()
                .steps(steps).batchSize(4).sequenceLength(128).learningRate(1e-3).warmupSteps(1)
                .evalEvery(0).checkpointEvery(0).logEvery(1)
                .build();
        try (Checkpoint student = Checkpoint.load(BuiltinModels.resolve("builtin:arith-student-base"))) {
            List<TrainingExample> examples = TraceExamples.of(all, student.tokenizer());
            SupervisedTrainer trainer = new SupervisedTrainer(student.model(), config, dir.resolve("sft"),
                    student.tokenizer().padId(), ProgressListener.lines(line -> System.out.println("sft: " + line)));
            SupervisedTrainer.Result r = trainer.train(examples, List.of());
            System.out.printf("student: %d steps on %d traces, last loss %.4f%n", r.steps(), all.size(), r.lastLoss());
        }
    }
}
