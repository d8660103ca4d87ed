package dev.r1j.distill.nightly;

import dev.r1j.distill.nightly.internal.Hashes;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.nightly.internal.Publisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks what earlier runs left against their manifests before a night runs: every finished stage's
 * outputs with their SHA-256, and the published release against the night that published it. A
 * mismatch is a {@link CorruptionException}.
 */
final class NightVerifier {

    private final NightContext night;

    NightVerifier(NightContext night) {
        this.night = night;
    }

    /** Verifies every night in {@code nights} but tonight (whose finished stages are verified as they are reused). */
    void verifyEarlierNights(Path nights) {
        if (!Files.isDirectory(nights)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(nights)) {
            dirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + nights, e);
        }
        for (Path d : dirs) {
            if (d.getFileName().toString().equals(night.night().toString())) {
                continue;   // tonight's finished stages are verified as they are reused
            }
            Path file = d.resolve(Manifest.FILE);
            if (!Files.exists(file)) {
                if (hasVisibleFiles(d)) {
                    throw new CorruptionException(file, "is missing, but " + d + " holds a night's files");
                }
                continue;
            }
            Manifest m = Manifest.read(file);
            for (Stage s : Stage.values()) {
                if (m.status(s) == Manifest.StageStatus.DONE) {
                    verifyOutputs(m, s, file, false);
                }
            }
        }
    }

    /**
     * Each recorded output of {@code s} must exist with its recorded hash; a publish stage's pruned release is skipped.
     *
     * @param tonight whether {@code m} is tonight's manifest (a missing output then says how to run the night again)
     */
    void verifyOutputs(Manifest m, Stage s, Path manifestFile, boolean tonight) {
        if (s == Stage.PUBLISH) {
            String release = m.stage(s).path("figures").path("release").asText("");
            if (!release.isEmpty() && !Files.isDirectory(night.workdir().resolve(release))) {
                return; // an older release, deleted when a newer one was published
            }
        }
        for (Map.Entry<String, String> e : m.outputs(s).entrySet()) {
            Path f = night.workdir().resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                throw new CorruptionException(f, "is missing; " + manifestFile + " records it as an output of stage "
                        + s.key() + (tonight ? "; remove " + night.nightDirectory() + " to run the night again" : ""));
            }
            String actual = Hashes.sha256(f);
            if (!actual.equals(e.getValue())) {
                throw new CorruptionException(f, "has SHA-256 " + actual + " but " + manifestFile + " records "
                        + e.getValue() + " for stage " + s.key() + " (changed or damaged after it was written)");
            }
        }
    }

    /** The published release's night must have recorded the same student. */
    void crossCheck(Publisher publisher, Publisher.Published p, Path nights) {
        Path file = nights.resolve(p.night()).resolve(Manifest.FILE);
        if (!Files.exists(file)) {
            return; // the night's directory was removed (pruned by the operator); the release verified on its own
        }
        Manifest m = Manifest.read(file);
        String recorded = m.stage(Stage.TRAIN).path("figures").path("student_sha256").asText("");
        if (!recorded.isEmpty() && !recorded.equals(p.studentSha256())) {
            throw new CorruptionException(publisher.link().resolve(Publisher.MANIFEST), "says the published student has "
                    + "SHA-256 " + p.studentSha256() + " from night " + p.night() + ", but " + file + " records " + recorded);
        }
    }

    private static boolean hasVisibleFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> !p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
