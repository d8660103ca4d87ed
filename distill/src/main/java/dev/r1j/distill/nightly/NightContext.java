package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.rewards.Problem;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What every stage of one night reads: the settings, the work directory, the night and where its
 * progress goes; and the path and length rules the stages share.
 *
 * @param workdir absolute and normalised
 */
record NightContext(NightlyConfig config, Path workdir, NightId night, NightlyProgress progress) {

    /** {@code WORKDIR/nights/<night>}. */
    Path nightDirectory() {
        return workdir.resolve("nights").resolve(night.toString());
    }

    /** {@code p} relative to the work directory (with {@code /}), as the manifest records it; absolute when outside. */
    String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(workdir) ? workdir.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    /** The configured length, or less when the model's positions run out after the longest prompt. */
    static int fitting(Checkpoint cp, PromptTemplate template, List<Problem> problems, int wanted) {
        int longest = 0;
        for (Problem p : problems) {
            longest = Math.max(longest, cp.tokenizer().encode(template.render(p.prompt())).length);
        }
        return Math.max(1, Math.min(wanted, cp.config().maxPositionEmbeddings() - longest));
    }

    /** Writes {@code node} as the manifest writes JSON, atomically. */
    static void writeJson(Path file, JsonNode node) {
        try {
            AtomicFiles.writeString(file, Manifest.json().writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
