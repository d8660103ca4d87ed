package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Gate;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.nightly.internal.PairedEvaluation;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.List;

/**
 * Stage {@link Stage#EVALUATE}, the gate: the new student and the baseline (the published student, or
 * the student base when nothing is published) answer the same held-out problems; the paired
 * difference decides whether the new one is published. Figures and the decision go into the manifest,
 * per-problem results into {@code eval.json}.
 */
final class EvaluateStage {

    private final NightContext night;
    private final Manifest manifest;

    EvaluateStage(NightContext night, Manifest manifest) {
        this.night = night;
        this.manifest = manifest;
    }

    StageResult run(Reward reward, List<Problem> heldOut, Path student, String baselineName, Path baselineDir,
                    String baselineSha, Path out) {
        NightlyConfig config = night.config();
        int k = config.evalK();
        int[] candidate = counts(student, heldOut, reward, "eval new student");
        int[] baseline = counts(baselineDir, heldOut, reward, "eval " + baselineName);
        Gate.Decision d = Gate.decide(candidate, baseline, k, config.minImprovement(), config.bootstrapResamples(),
                config.evalSeed(), baselineName);
        ObjectNode metrics = manifest.metrics();
        metrics.set("candidate", figures(d.candidate()));
        metrics.set("baseline", figures(d.baseline()));
        ObjectNode diff = metrics.putObject("difference").put("pass_at_1", d.difference());
        diff.putArray("ci95").add(d.differenceInterval().low()).add(d.differenceInterval().high());
        diff.put("method", "95% percentile bootstrap over problems, paired, " + config.bootstrapResamples()
                + " resamples, seed " + config.evalSeed());
        ObjectNode decision = Manifest.json().createObjectNode().put("published", d.publish()).put("reason", d.reason())
                .put("baseline", baselineName).put("baseline_sha256", baselineSha)
                .put("min_improvement", config.minImprovement());
        manifest.decision(decision);

        ObjectNode e = Manifest.json().createObjectNode().put("task", config.task()).put("seed", config.evalSeed()).put("k", k);
        ArrayNode rows = e.putArray("problems");
        for (int i = 0; i < heldOut.size(); i++) {
            rows.addObject().put("id", heldOut.get(i).id()).put("candidate_correct", candidate[i])
                    .put("baseline_correct", baseline[i]);
        }
        e.set("decision", decision.deepCopy());
        NightContext.writeJson(out, e);
        ObjectNode f = Manifest.json().createObjectNode().put("candidate_pass_at_1", d.candidate().value())
                .put("baseline_pass_at_1", d.baseline().value()).put("difference", d.difference())
                .put("publish", d.publish());
        return new StageResult(List.of(out), f, (d.publish() ? "publish: " : "keep: ") + d.reason());
    }

    private int[] counts(Path modelDir, List<Problem> problems, Reward reward, String job) {
        NightlyConfig config = night.config();
        try (Checkpoint cp = Checkpoint.load(modelDir); DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            SamplingParams params = SamplingParams.builder().temperature(config.evalTemperature()).seed(config.evalSeed())
                    .maxNewTokens(NightContext.fitting(cp, template, problems, config.evalMaxNewTokens())).build();
            return PairedEvaluation.correctCounts(gen, template, problems, reward, config.evalK(), params, job, night.progress());
        }
    }

    private static ObjectNode figures(NightlyResult.PassAt1 p) {
        ObjectNode o = Manifest.json().createObjectNode().put("pass_at_1", p.value());
        o.putArray("ci95").add(p.interval().low()).add(p.interval().high());
        o.put("interval", "95% Wilson over completions").put("n", p.problems()).put("k", p.k());
        return o;
    }
}
