package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.common.AtomicFiles;
import java.nio.file.Path;
import java.util.List;

/** Stage {@link Stage#EXPORT}: the accepted student's serving artifact, made by the exporter, in {@code export/}. */
final class ExportStage {

    private final NightContext night;
    private final ModelExporter exporter;

    ExportStage(NightContext night, ModelExporter exporter) {
        this.night = night;
        this.exporter = exporter;
    }

    StageResult run(Path student, Path out) {
        AtomicFiles.replaceDirectory(out, tmp -> exporter.export(student, tmp));
        ObjectNode f = Manifest.json().createObjectNode().put("format", exporter.format());
        return new StageResult(List.of(out), f, "serving artifact (" + exporter.format() + ") in " + night.relative(out));
    }
}
