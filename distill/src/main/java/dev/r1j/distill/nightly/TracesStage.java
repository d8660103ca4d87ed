package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stage {@link Stage#TRACES}: the teacher samples tonight's problems (minus any whose prompt is held
 * out for the evaluation) and keeps the verified completions in {@code traces.jsonl}, chunk by chunk,
 * so that an interrupted stage continues where it stopped.
 */
final class TracesStage {

    private final NightContext night;

    TracesStage(NightContext night) {
        this.night = night;
    }

    StageResult run(TaskGenerator task, Reward reward, List<Problem> heldOut, long seed, Path teacherDir, String teacherSha,
                    Path out) {
        NightlyConfig config = night.config();
        Set<String> held = new HashSet<>();
        heldOut.forEach(p -> held.add(p.prompt()));
        List<Problem> drawn = task.generate(config.traceProblems(), seed);
        List<Problem> problems = drawn.stream().filter(p -> !held.contains(p.prompt())).toList();
        try (Checkpoint cp = Checkpoint.load(teacherDir); DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            int maxNew = NightContext.fitting(cp, template, problems, config.traceMaxNewTokens());
            SamplingParams sampling = SamplingParams.builder().temperature(config.traceTemperature()).maxNewTokens(maxNew)
                    .seed(seed).build();
            TraceGenerator.Settings settings = new TraceGenerator.Settings(config.samplesPerProblem(), config.selection(),
                    config.capPerProblem(), sampling, Runtime.getRuntime().availableProcessors());
            TraceGenerator.Summary s = new TraceGenerator(gen, template, reward, config.teacher(), teacherSha, settings)
                    .generate(problems, out, night.progress());
            if (s.traces() == 0) {
                throw new IllegalStateException("the teacher's " + s.samples() + " samples on " + problems.size()
                        + " problems held no verified completion: nothing to train the student on (is " + config.teacher()
                        + " a model for task " + config.task() + "?)");
            }
            ObjectNode f = Manifest.json().createObjectNode().put("problems", problems.size())
                    .put("problems_dropped_as_held_out", drawn.size() - problems.size()).put("seed", seed)
                    .put("samples", s.samples()).put("correct_samples", s.correctSamples())
                    .put("problems_with_traces", s.problemsWithTraces()).put("traces", s.traces()).put("max_new_tokens", maxNew);
            return new StageResult(List.of(out), f, String.format(java.util.Locale.ROOT,
                    "%d traces for %d of %d problems (%.1f%% of %d samples correct)", s.traces(), s.problemsWithTraces(),
                    problems.size(), 100.0 * s.correctSamples() / Math.max(1, s.samples()), s.samples()));
        }
    }
}
