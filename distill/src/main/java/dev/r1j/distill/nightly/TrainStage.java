package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Hashes;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage {@link Stage#TRAIN}: the student base (or a LoRA adapter on it, folded in at the end) is
 * fine-tuned on tonight's traces in {@code train/}, resuming from its last checkpoint, and the student
 * is written to {@code student/} with provenance naming the teacher and the traces.
 */
final class TrainStage {

    private final NightContext night;

    TrainStage(NightContext night) {
        this.night = night;
    }

    StageResult run(Path traces, Path baseDir, String baseSha, String teacherSha, Path out) {
        NightlyConfig config = night.config();
        List<Trace> all = TraceGenerator.read(traces);
        try (Checkpoint cp = Checkpoint.load(baseDir)) {
            int positions = cp.config().maxPositionEmbeddings();
            if (config.sft().sequenceLength() > positions) {
                throw new NightlyConfig.Invalid("sft.sequence_length", "must be <= the student base's max_position_embeddings ("
                        + positions + "), was " + config.sft().sequenceLength());
            }
            if (config.sftLora() != null) {
                if (cp.model().adapter().isPresent()) {
                    throw new NightlyConfig.Invalid("sft.lora", "needs a full student_base, not an adapter directory");
                }
                LoraAdapter.create(cp.model(), config.sftLora(), LoraBase.of(baseDir), config.sft().seed());
            }
            List<TrainingExample> examples = TraceExamples.of(all, cp.tokenizer());
            SupervisedTrainer trainer = new SupervisedTrainer(cp.model(), config.sft(), night.nightDirectory().resolve("train"),
                    cp.tokenizer().padId(), night.progress());
            SupervisedTrainer.Result r = trainer.train(examples, List.of());
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put("night", night.night().toString());
            facts.put("teacher", config.teacher());
            facts.put("teacher_sha256", teacherSha);
            facts.put("traces", night.relative(traces));
            facts.put("traces_sha256", Hashes.sha256(traces));
            facts.put("traces_count", Integer.toString(all.size()));
            facts.put("steps", Long.toString(r.steps()));
            facts.put("final_loss", Double.toString(r.lastLoss()));
            cp.model().mergeAdapter(); // with sft.lora the published student is the base with the adapter folded in
            Checkpoint.write(out, cp.model(), cp.tokenizer(), cp.template().orElse(PromptTemplate.DEFAULT),
                    Provenance.of(config.sft().seed(), "r1j nightly (night " + night.night() + ")", baseSha, config.toJson(), facts));
            ObjectNode f = Manifest.json().createObjectNode().put("traces", all.size()).put("steps", r.steps())
                    .put("tokens", r.tokens()).put("final_loss", r.lastLoss()).put("student_sha256", Checkpoint.sha256(out));
            return new StageResult(List.of(out), f, String.format(java.util.Locale.ROOT, "%d steps on %d traces, final loss %.4f",
                    r.steps(), all.size(), r.lastLoss()));
        }
    }
}
