package dev.r1j.samples.cli;

import dev.r1j.distill.logit.GeneralizedJsd;
import dev.r1j.distill.logit.OnPolicyRows;
import dev.r1j.distill.traces.Trace;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.distill.logit.TeacherDivergence;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j distill}: logit distillation of a student toward a teacher on traces. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Logit distillation: on the traces' prompts and completions (and, with --on-policy, on the student's own samples), the student (--model) "
                + "learns the teacher's whole next-token distribution at every completion position, not only the "
                + "sampled token, by minimising the generalized Jensen-Shannon divergence of GKD (Agarwal et al. "
                + "2024): --beta 0 is forward KL(teacher || student), 1 is reverse KL(student || teacher). Teacher and "
                + "student must share a tokenizer. Settings, output and resuming are those of r1j sft."})
final class DistillCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--teacher", required = true, paramLabel = "REF", description = "The teacher: model directory or builtin:NAME.")
    String teacher;

    @Option(names = "--beta", defaultValue = "0.5", description = "0: forward KL, 1: reverse KL, between: JSD (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--on-policy", defaultValue = "0", paramLabel = "FRACTION",
            description = "GKD's lambda: the share of steps trained on completions the student samples itself from the "
                    + "traces' prompts (scored by the teacher), instead of on the teacher's traces; 0 is off-policy "
                    + "distillation, 1 fully on-policy (default: ${DEFAULT-VALUE}).")
    double onPolicy;

    @Option(names = "--max-new-tokens", defaultValue = "64",
            description = "Longest completion the student samples on on-policy steps (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--teacher-top-k", defaultValue = "0", paramLabel = "K",
            description = "Keep only the teacher's K most likely tokens per position plus one bucket for the rest of its "
                    + "mass, and take the divergence over those K + 1 buckets (NeMo-RL uses 64): the teacher's part of the "
                    + "memory falls from a hidden state to 2K + 1 numbers a position. 0 compares whole distributions "
                    + "(default: ${DEFAULT-VALUE}).")
    int teacherTopK;

    @Mixin
    TraceTrainingOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GeneralizedJsd divergence;
        try {
            divergence = new GeneralizedJsd(beta);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--beta: " + e.getMessage());
        }
        if (!(onPolicy >= 0 && onPolicy <= 1)) {
            throw new BadInputException("--on-policy must be in [0, 1], was " + onPolicy);
        }
        if (teacherTopK < 0) {
            throw new BadInputException("--teacher-top-k must be 0 (whole distributions) or a number of tokens >= 1, was "
                    + teacherTopK);
        }
        if (maxNewTokens < 1) {
            throw new BadInputException("--max-new-tokens must be >= 1, was " + maxNewTokens);
        }
        PrecisionSettings.read(null, options.adapterOptions.precision); // a flag the engine cannot do fails before the teacher loads
        Path teacherDir = BuiltinModels.resolve(teacher);
        try (Checkpoint t = Checkpoint.load(teacherDir)) {
            if (teacherTopK >= t.model().config().vocabSize()) {
                throw new BadInputException("--teacher-top-k must be below the teacher's vocabulary (" + t.model().config()
                        .vocabSize() + " tokens), was " + teacherTopK);
            }
            return SftCommand.trainOnTraces(spec, model, options, "distill", (student, training) -> {
                if (!sameVocabulary(t, student)) {
                    throw new BadInputException("--teacher " + teacher + " and --model " + model.model + " do not share a "
                            + "tokenizer (vocabularies differ); logit distillation compares distributions token by token");
                }
                return new TeacherDivergence(t.model(), divergence, teacherTopK, training.logitsChunk());
            }, Map.of("teacher", teacher, "teacher_sha256", Checkpoint.sha256(teacherDir), "beta", Double.toString(beta),
                    "on_policy", Double.toString(onPolicy), "teacher_top_k", Integer.toString(teacherTopK)), (student, training, traces, packed) -> onPolicy == 0 ? packed
                    : new OnPolicyRows(student.model(), student.tokenizer(), traces.stream().map(Trace::prompt).toList(), packed,
                            onPolicy, SamplingParams.builder().temperature(1).maxNewTokens(maxNewTokens).build(), training.seed()),
                    t.model(), teacherTopK);
        }
    }

    /** Same size and the same ids for every character and tag the tasks use. */
    private static boolean sameVocabulary(Checkpoint a, Checkpoint b) {
        if (a.tokenizer().vocabSize() != b.tokenizer().vocabSize()) {
            return false;
        }
        String probe = "Question: 0123456789+-*/()=, Use to make\nAnswer: <think></think><answer></answer>";
        return java.util.Arrays.equals(a.tokenizer().encode(probe), b.tokenizer().encode(probe));
    }
}
