package dev.r1j.distill.nightly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.run.RunLock;
import dev.r1j.rl.train.SupervisedConfig;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nights on a tiny random student and the built-in RL teacher (rejection sampling needs a teacher
 * that is sometimes right), with small problem counts. One uninterrupted night is the reference.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NightlyJobTest {

    static final NightId NIGHT = NightId.parse("2026-11-30");
    static final NightId NEXT = NightId.parse("2026-12-01");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;

    private NightlyConfig config;
    private Path reference;
    private NightlyResult referenceResult;
    private String referenceStudent;

    /** A serving artifact of a different kind than the CLI's, to see that the job records what it is given. */
    private static final ModelExporter TEST_EXPORTER = ModelExporter.of("test-weights", (model, out) ->
            Files.copy(model.resolve("model.safetensors"), out.resolve("weights.bin")));

    @BeforeAll
    void referenceNight() {
        Path student = TinyModels.randomStudent(root.resolve("student"), 3);
        config = NightlyConfig.builder().teacher("builtin:arith-teacher-rl").studentBase(student.toString())
                .traceProblems(6).samplesPerProblem(2).traceMaxNewTokens(64)
                .sft(SupervisedConfig.builder().batchSize(4).sequenceLength(96).steps(6).warmupSteps(1).checkpointEvery(2)
                        .evalEvery(0).logEvery(1).build())
                .evalProblems(8).evalK(2).evalMaxNewTokens(24)
                .minImprovement(-1) // a random student learns little in 6 steps; these tests are about resuming
                .build();
        reference = root.resolve("reference");
        referenceResult = job(reference, NIGHT, NightlyProgress.silent()).run();
        referenceStudent = Checkpoint.sha256(reference.resolve("published"));
    }

    private NightlyJob job(Path workdir, NightId night, NightlyProgress progress) {
        return NightlyJob.builder(config, workdir).night(night).exporter(TEST_EXPORTER).progress(progress).build();
    }

    private static final class Boom extends RuntimeException {
        Boom(String m) {
            super(m);
        }
    }

    @Test
    void theReferenceNightPublishedItsStudentWithAManifest() throws Exception {
        assertEquals(NightlyResult.Outcome.PUBLISHED, referenceResult.outcome());
        assertFalse(referenceResult.alreadyDone());
        assertTrue(Files.isSymbolicLink(reference.resolve("published")));
        JsonNode m = JSON.readTree(reference.resolve("nights/2026-11-30/manifest.json").toFile());
        assertEquals("finished", m.path("status").asText());
        for (Stage s : Stage.values()) {
            assertEquals("done", m.path("stages").path(s.key()).path("status").asText(), s.key());
        }
        assertEquals(20261130, m.path("inputs").path("trace_seed").asLong());
        assertEquals("test-weights", m.path("stages").path("export").path("figures").path("format").asText());
        assertTrue(m.path("stages").path("export").path("outputs").has("nights/2026-11-30/export/weights.bin"));
        assertEquals(8, m.path("metrics").path("candidate").path("n").asInt());
        assertTrue(m.path("decision").path("published").asBoolean());
        JsonNode published = JSON.readTree(reference.resolve("published/manifest.json").toFile());
        assertEquals("2026-11-30", published.path("night").asText());
        assertEquals("test-weights", published.path("format").asText());
        assertEquals(referenceStudent, published.path("student_sha256").asText());
        assertTrue(Files.exists(reference.resolve("published/serving/weights.bin")));
        try (Checkpoint cp = Checkpoint.load(reference.resolve("published"))) {
            assertEquals("2026-11-30", cp.provenance().orElseThrow().extra().get("night"));
        }
    }

    @Test
    void aNightStoppedAfterAStageAndInTheMiddleOfTrainingResumesToTheSameStudent() throws Exception {
        Path work = root.resolve("interrupted");
        Boom afterTraces = assertThrows(Boom.class, () -> job(work, NIGHT, new NightlyProgress() {
            @Override
            public void stageFinished(Stage stage, StageOutcome outcome, String summary) {
                if (stage == Stage.TRACES) {
                    throw new Boom("killed after the traces stage");
                }
            }
        }).run());
        assertEquals("killed after the traces stage", afterTraces.getMessage());
        JsonNode m = JSON.readTree(work.resolve("nights/2026-11-30/manifest.json").toFile());
        assertEquals("done", m.path("stages").path("traces").path("status").asText());
        assertEquals("pending", m.path("stages").path("train").path("status").asText());

        // A finished stage of tonight is verified before it is reused.
        Path damaged = TinyModels.copy(work, root.resolve("interrupted-damaged"));
        Path damagedTraces = damaged.resolve("nights/2026-11-30/traces.jsonl");
        TinyModels.flipByte(damagedTraces, 20);
        CorruptionException c = assertThrows(CorruptionException.class, () -> job(damaged, NIGHT, null).run());
        assertEquals(damagedTraces, c.file());

        assertThrows(Boom.class, () -> job(work, NIGHT, new NightlyProgress() {
            @Override
            public void step(long step, Map<String, Double> figures) {
                if (step == 3 && figures.containsKey("loss")) {
                    throw new Boom("killed at training step 3");
                }
            }
        }).run());
        assertTrue(Files.exists(work.resolve("nights/2026-11-30/train/checkpoints/step-2/trainer.json")));
        assertFalse(Files.exists(work.resolve("published"), LinkOption.NOFOLLOW_LINKS));

        List<String> events = new ArrayList<>();
        NightlyResult r = job(work, NIGHT, new NightlyProgress() {
            @Override
            public void stageFinished(Stage stage, StageOutcome outcome, String summary) {
                events.add(stage.key() + " " + outcome.key());
            }

            @Override
            public void note(String line) {
                events.add(line);
            }
        }).run();
        assertEquals(NightlyResult.Outcome.PUBLISHED, r.outcome());
        assertTrue(events.contains("traces reused"), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("resuming from") && e.contains("step-2")), events.toString());
        assertEquals(referenceStudent, Checkpoint.sha256(work.resolve("published")),
                "the resumed night must publish the same weights as the uninterrupted one");
        assertEquals(referenceResult.candidate(), r.candidate());
        m = JSON.readTree(work.resolve("nights/2026-11-30/manifest.json").toFile());
        assertEquals(1, m.path("stages").path("traces").path("attempts").asInt());
        assertEquals(2, m.path("stages").path("train").path("attempts").asInt());
    }

    @Test
    void rerunningAFinishedNightChangesNothing() throws Exception {
        Path manifest = reference.resolve("nights/2026-11-30/manifest.json");
        byte[] before = Files.readAllBytes(manifest);
        Path release = Files.readSymbolicLink(reference.resolve("published"));
        List<Stage> started = new ArrayList<>();
        NightlyResult r = job(reference, NIGHT, new NightlyProgress() {
            @Override
            public void stageStarted(Stage stage) {
                started.add(stage);
            }
        }).run();
        assertTrue(r.alreadyDone());
        assertEquals(NightlyResult.Outcome.PUBLISHED, r.outcome());
        assertEquals(referenceResult.reason(), r.reason());
        assertEquals(List.of(), started);
        assertArrayEquals(before, Files.readAllBytes(manifest));
        assertEquals(release, Files.readSymbolicLink(reference.resolve("published")));
    }

    @Test
    void aSecondStartWhileANightRunsIsRefusedNamingTheHolder() {
        Path work = root.resolve("locked");
        try (RunLock held = RunLock.acquire(work)) {
            RunLock.InUseException e = assertThrows(RunLock.InUseException.class, () -> job(work, NIGHT, null).run());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        assertFalse(Files.exists(work.resolve("nights")), "a refused start must not begin a night");
    }

    @Test
    void aFlippedByteInThePublishedStudentIsReportedAndNothingIsReplaced() throws Exception {
        Path work = TinyModels.copy(reference, root.resolve("flipped"));
        Path weights = work.resolve("published/model.safetensors");
        TinyModels.flipByte(weights, Files.size(weights) / 2);
        Path release = Files.readSymbolicLink(work.resolve("published"));
        CorruptionException e = assertThrows(CorruptionException.class, () -> job(work, NEXT, null).run());
        assertEquals(weights, e.file());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("SHA-256"), e.getMessage());
        assertEquals(release, Files.readSymbolicLink(work.resolve("published")));
        assertFalse(Files.exists(work.resolve("nights/2026-12-01")), "nothing of the next night may be started");
    }

    @Test
    void aHashMismatchInAnEarlierNightsManifestIsReported() throws Exception {
        Path work = TinyModels.copy(reference, root.resolve("mismatch"));
        Path manifest = work.resolve("nights/2026-11-30/manifest.json");
        String text = Files.readString(manifest);
        String tracesHash = JSON.readTree(text).path("stages").path("traces").path("outputs")
                .path("nights/2026-11-30/traces.jsonl").asText();
        Files.writeString(manifest, text.replace(tracesHash, "0".repeat(64)));
        CorruptionException e = assertThrows(CorruptionException.class, () -> job(work, NEXT, null).run());
        assertEquals(work.resolve("nights/2026-11-30/traces.jsonl"), e.file());
        assertTrue(e.getMessage().contains(manifest.toString()), e.getMessage());

        Files.writeString(manifest, "{ not json");
        CorruptionException unreadable = assertThrows(CorruptionException.class, () -> job(work, NEXT, null).run());
        assertEquals(manifest, unreadable.file());
    }
}
