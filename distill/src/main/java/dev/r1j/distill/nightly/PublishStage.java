package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Hashes;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.nightly.internal.Publisher;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stage {@link Stage#PUBLISH}: the student and its serving artifact become the published release
 * (see {@link Publisher}); a run that stopped right after the swap records the release it finds.
 */
final class PublishStage {

    private final NightContext night;
    private final Manifest manifest;
    private final Publisher publisher;
    private final ModelExporter exporter;

    PublishStage(NightContext night, Manifest manifest, Publisher publisher, ModelExporter exporter) {
        this.night = night;
        this.manifest = manifest;
        this.publisher = publisher;
        this.exporter = exporter;
    }

    StageResult run(Path student, Path export, boolean alreadySwapped) {
        String studentSha = Checkpoint.sha256(student);
        Optional<Path> current = publisher.currentRelease();
        Map<String, String> files;
        if (alreadySwapped && current.isPresent()) {
            files = Hashes.ofDirectory(current.get());   // verified at start; the swap had happened
        } else {
            ObjectNode facts = Manifest.json().createObjectNode().put("format", exporter.format());
            facts.set("pass_at_1", manifest.metrics().path("candidate").deepCopy());
            facts.put("compared_with", manifest.decision().path("baseline").asText());
            files = publisher.publish(night.night().toString(), student, export, facts);
        }
        Path release = publisher.currentRelease().orElseThrow();
        ObjectNode f = Manifest.json().createObjectNode().put("release", night.relative(release)).put("student_sha256", studentSha)
                .put("format", exporter.format());
        List<Path> outputs = files.keySet().stream().map(release::resolve).toList();
        return new StageResult(outputs, f, "published as " + night.relative(publisher.link()) + " -> " + night.relative(release));
    }
}
