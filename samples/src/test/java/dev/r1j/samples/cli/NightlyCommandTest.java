package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code r1j nightly} as cron runs it: small settings on the built-in teacher and student base. One
 * uninterrupted night is the reference the others are compared with.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NightlyCommandTest {

    static final String NIGHT = "2026-11-30";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;

    private Path config;
    private Path reference;
    private String referenceStudent;
    private long referenceMillis;

    private static final String SETTINGS = """
            teacher: builtin:arith-teacher-rl
            student_base: %s
            traces: {problems: 6, samples_per_problem: 2, max_new_tokens: 64}
            sft: {batch_size: 4, sequence_length: 96, steps: 4, warmup_steps: 1, checkpoint_every: 2}
            eval: {problems: 10, k: 2, max_new_tokens: 48}
            gate: {min_improvement: %s}
            """;

    @BeforeAll
    void referenceNight() throws IOException {
        config = root.resolve("nightly.yaml");
        // The first night publishes whatever it trains (a non-inferiority margin of 100 points), so that the
        // nights below have a published student to be compared with.
        Files.writeString(config, SETTINGS.formatted("builtin:arith-student-base", "-1"));
        reference = root.resolve("reference");
        long t0 = System.nanoTime();
        CliRun r = nightly(config, reference, NIGHT);
        referenceMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Night " + NIGHT + " published its student"), r.out());
        assertTrue(r.err().contains("nightly: stage traces ...") && r.err().contains("nightly: stage publish done"), r.err());
        referenceStudent = Checkpoint.sha256(reference.resolve("published"));
    }

    private static CliRun nightly(Path config, Path workdir, String night) {
        return CliRun.of("nightly", "--config", config.toString(), "--workdir", workdir.toString(), "--night", night);
    }

    @Test
    void theReferenceNightPublishesAnOnnxExportThatAnswersAsTheCheckpointDoes() throws IOException {
        JsonNode published = JSON.readTree(reference.resolve("published/manifest.json").toFile());
        assertEquals(NIGHT, published.path("night").asText());
        assertEquals("onnx", published.path("format").asText());
        Path onnx = reference.resolve("published/serving/model.onnx");
        assertTrue(Files.exists(onnx));
        JsonNode m = JSON.readTree(reference.resolve("nights/" + NIGHT + "/manifest.json").toFile());
        assertEquals("onnx", m.path("stages").path("export").path("figures").path("format").asText());
        String[] greedy = {"--prompt", "Question: 12*34\nAnswer: ", "--temperature", "0", "--max-new-tokens", "24"};
        CliRun fromOnnx = CliRun.of(concat(new String[] {"generate", "--model", onnx.toString()}, greedy));
        CliRun fromCheckpoint = CliRun.of(concat(new String[] {"generate", "--model", reference.resolve("published").toString()},
                greedy));
        assertEquals(0, fromOnnx.exit(), fromOnnx.err());
        assertEquals(fromCheckpoint.out(), fromOnnx.out(), "ONNX Runtime serves what the checkpoint generates");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aNightKilledAtARandomMomentIsRefusedToASecondStartThenResumesToTheSameStudent() throws Exception {
        Path work = root.resolve("killed");
        Files.createDirectories(work);
        long seed = System.nanoTime();
        long delay = (long) (new Random(seed).nextDouble() * referenceMillis * 0.8);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = root.resolve("killed.log");
        Process p = new ProcessBuilder(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                R1j.class.getName(), "nightly", "--config", config.toString(), "--workdir", work.toString(), "--night", NIGHT)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String killed;
        try {
            Path manifest = work.resolve("nights/" + NIGHT + "/manifest.json");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!Files.exists(manifest) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(manifest), "the night never started: " + Files.readString(log));
            if (p.isAlive()) {
                CliRun second = nightly(config, work, NIGHT);
                assertEquals(2, second.exit(), second.err());
                assertTrue(second.err().contains("in use") && second.err().contains("pid " + p.pid()), second.err());
            }
            Thread.sleep(delay);
            killed = p.isAlive() ? "killed " + delay + " ms after the night started" : "it had finished before the kill";
        } finally {
            p.destroyForcibly().waitFor();
        }
        System.out.println("nightly kill test: random seed " + seed + ", " + killed);
        String context = "(random seed " + seed + ", " + killed + "; its log: " + Files.readString(log) + ")";
        CliRun rerun = nightly(config, work, NIGHT);
        assertEquals(0, rerun.exit(), rerun.err() + context);
        assertEquals(referenceStudent, Checkpoint.sha256(work.resolve("published")),
                "the resumed night must publish the same weights as the uninterrupted one " + context);
        CliRun again = nightly(config, work, NIGHT);
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("nothing to do"), again.out());
    }

    @Test
    void aWorseStudentIsNotPublishedAndTheExitCodeSaysSo() throws Exception {
        Path work = copy(reference, root.resolve("worse"));
        Path tiny = root.resolve("tiny-student");
        CliRun init = CliRun.of("init", "--out", tiny.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "256");
        assertEquals(0, init.exit(), init.err());
        Path worse = root.resolve("worse.yaml");
        Files.writeString(worse, SETTINGS.formatted(tiny.toString(), "0.0"));
        Path release = Files.readSymbolicLink(work.resolve("published"));

        CliRun r = nightly(worse, work, "2026-12-01");
        assertEquals(NightlyCommand.EXIT_KEPT, r.exit(), r.err());
        assertTrue(r.out().contains("kept the published student") && r.out().contains("published student (night " + NIGHT + ")"),
                r.out());
        assertEquals(release, Files.readSymbolicLink(work.resolve("published")));
        assertEquals(referenceStudent, Checkpoint.sha256(work.resolve("published")));
        JsonNode m = JSON.readTree(work.resolve("nights/2026-12-01/manifest.json").toFile());
        assertFalse(m.path("decision").path("published").asBoolean(true));
        assertTrue(m.path("metrics").path("candidate").path("pass_at_1").asDouble()
                < m.path("metrics").path("baseline").path("pass_at_1").asDouble(), m.path("metrics").toString());
        assertEquals("skipped", m.path("stages").path("export").path("status").asText());
        assertEquals("skipped", m.path("stages").path("publish").path("status").asText());
        assertFalse(Files.exists(work.resolve("nights/2026-12-01/export")));

        CliRun rerun = nightly(worse, work, "2026-12-01");
        assertEquals(0, rerun.exit(), "a finished night does nothing and exits 0: " + rerun.err());
    }

    @Test
    void aCorruptedPublishedStudentIsReportedWithItsOwnExitCode() throws Exception {
        Path work = copy(reference, root.resolve("corrupt"));
        Path weights = work.resolve("published/model.safetensors");
        byte[] b = Files.readAllBytes(weights);
        b[b.length / 3] ^= 0x10;
        Files.write(weights, b);
        CliRun r = nightly(config, work, "2026-12-01");
        assertEquals(NightlyCommand.EXIT_CORRUPT, r.exit(), r.err());
        assertTrue(r.err().contains("corruption detected") && r.err().contains(weights.toString()), r.err());
        assertFalse(Files.exists(work.resolve("nights/2026-12-01")));
    }

    @Test
    void badSettingsNameTheFileLineAndField() throws IOException {
        Path bad = root.resolve("bad.yaml");
        Files.writeString(bad, "teacher: builtin:arith-teacher-rl\nstudent_base: builtin:arith-student-base\n"
                + "traces:\n  samples_per_problem: 0\n");
        CliRun r = nightly(bad, root.resolve("never"), NIGHT);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("bad.yaml:4") && r.err().contains("traces.samples_per_problem")
                && r.err().contains("must be >= 1"), r.err());
        Files.writeString(bad, "teacher: builtin:arith-teacher-rl\nstudent_base: builtin:arith-student-base\ngate:\n  min_improvment: 0\n");
        r = nightly(bad, root.resolve("never"), NIGHT);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:4") && r.err().contains("gate.min_improvment"), r.err());
        assertEquals(2, CliRun.of("nightly", "--quick", "--config", bad.toString(), "--workdir", "x").exit());
        assertEquals(2, nightly(config, root.resolve("never"), "2026-13-01").exit());
        assertFalse(Files.exists(root.resolve("never").resolve("nights")));
    }

    /** Copies a work directory, its links as links. */
    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> entries;
        try (Stream<Path> s = Files.list(from)) {
            entries = s.toList();
        }
        for (Path p : entries) {
            Path target = to.resolve(p.getFileName().toString());
            if (Files.isSymbolicLink(p)) {
                Files.createSymbolicLink(target, Files.readSymbolicLink(p));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                copy(p, target);
            } else if (!p.getFileName().toString().equals(".lock")) {
                Files.copy(p, target);
            }
        }
        return to;
    }
}
