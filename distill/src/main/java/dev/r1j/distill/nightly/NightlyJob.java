package dev.r1j.distill.nightly;

import dev.r1j.rewards.tasks.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.distill.nightly.internal.Gate;
import dev.r1j.distill.nightly.internal.Hashes;
import dev.r1j.distill.nightly.internal.Manifest;
import dev.r1j.distill.nightly.internal.PairedEvaluation;
import dev.r1j.distill.nightly.internal.Publisher;
import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.tasks.TaskGenerator;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.eval.Estimators;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.run.RunLock;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One night of distillation: the teacher writes verified traces of tonight's problems, the student
 * base is fine-tuned on them, the new student and the published one are evaluated on the same
 * held-out problems, and the new one is exported and published only if it passes the gate
 * ({@link NightlyConfig#minImprovement()}).
 *
 * <p>Everything lives in a work directory:
 * <pre>
 * WORKDIR/.lock                         held while a night runs: two nights never run at once
 * WORKDIR/nights/YYYY-MM-DD/manifest.json   inputs, stages, outputs with SHA-256, figures, decision
 *                          /traces.jsonl      (+ .state.json while being written)
 *                          /train/            SFT run: metrics.jsonl, checkpoints/step-N/
 *                          /student/          the trained student (Hugging Face layout)
 *                          /eval.json         per-problem results of both students and the decision
 *                          /export/           the serving artifact (when the gate accepted the student)
 * WORKDIR/published -&gt; published.releases/YYYY-MM-DD/   the published student (see below)
 * WORKDIR/published.prev -&gt; the release it replaced
 * </pre>
 *
 * <p>Each stage is resumable and idempotent: a finished stage's outputs and their SHA-256 are in the
 * manifest, and a later run verifies and skips it; an interrupted stage starts again and continues
 * from what it saved (traces by chunk, training from its last checkpoint). A finished night is not run
 * again. Before anything else a run verifies every earlier night's recorded outputs and the published
 * student against their hashes, and stops with a {@link CorruptionException} when one differs.
 *
 * <p>The stages are types of their own ({@code TracesStage}, {@code TrainStage}, {@code EvaluateStage},
 * {@code ExportStage}, {@code PublishStage}); this class orchestrates them: it verifies what earlier
 * runs left ({@code NightVerifier}), records each stage in the manifest, reuses finished ones and skips
 * export and publish when the gate keeps the published student.
 *
 * <p>Publishing assembles {@code published.releases/NIGHT/} (student files, {@code serving/}, and a
 * {@code manifest.json} with every file's hash) beside the current release, then renames a new
 * symbolic link over {@code published}: readers see the old complete student or the new one, never a
 * partial one.
 */
public final class NightlyJob {

    private final NightlyConfig config;
    private final Path workdir;
    private final NightId night;
    private final ModelExporter exporter;
    private final NightlyProgress progress;
    private final NightContext context;
    private final NightVerifier verifier;

    private NightlyJob(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        this.workdir = b.workdir.toAbsolutePath().normalize();
        this.night = b.night == null ? NightId.today() : b.night;
        this.exporter = Objects.requireNonNull(b.exporter, "exporter");
        this.progress = b.progress == null ? NightlyProgress.silent() : b.progress;
        this.context = new NightContext(config, workdir, night, progress);
        this.verifier = new NightVerifier(context);
    }

    /** A job running {@code config} in {@code workdir}; the night defaults to today (UTC). */
    public static Builder builder(NightlyConfig config, Path workdir) {
        return new Builder(config, workdir);
    }

    /** Builder of {@link NightlyJob}. */
    public static final class Builder {
        private final NightlyConfig config;
        private final Path workdir;
        private NightId night;
        private ModelExporter exporter;
        private NightlyProgress progress;

        private Builder(NightlyConfig config, Path workdir) {
            this.config = config;
            this.workdir = Objects.requireNonNull(workdir, "workdir");
        }

        /** The night to run (default: today's UTC date). */
        public Builder night(NightId v) { night = v; return this; }

        /** Makes the serving artifact of an accepted student; required. */
        public Builder exporter(ModelExporter v) { exporter = v; return this; }

        /** Told of stages and steps (default: silent). */
        public Builder progress(NightlyProgress v) { progress = v; return this; }

        public NightlyJob build() {
            return new NightlyJob(this);
        }
    }

    /** {@code WORKDIR/nights/<night>}. */
    public Path nightDirectory() {
        return context.nightDirectory();
    }

    /** The published student's path (a link to the current release). */
    public Path publishDirectory() {
        Path p = Path.of(config.publishDir());
        return (p.isAbsolute() ? p : workdir.resolve(p)).normalize();
    }

    /**
     * Runs the night, or the rest of it.
     *
     * @return the outcome; {@link NightlyResult#alreadyDone()} when the night had finished before
     * @throws RunLock.InUseException when another process runs a night in this work directory
     * @throws CorruptionException    when an earlier night's output, the published student or a manifest fails verification
     * @throws BadInputException      for a model reference that does not resolve, or a night started with other settings
     */
    public NightlyResult run() {
        try (RunLock lock = RunLock.acquire(workdir)) {
            return runLocked();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private Manifest manifest;
    private Publisher publisher;

    private NightlyResult runLocked() {
        Path nights = workdir.resolve("nights");
        Path dir = nightDirectory();
        publisher = new Publisher(publishDirectory());
        Optional<Publisher.Published> published = publisher.verify();
        verifier.verifyEarlierNights(nights);
        if (published.isPresent()) {
            verifier.crossCheck(publisher, published.get(), nights);
        }

        ObjectNode configJson = config.toJson();
        String configSha = sha256(configJson.toString());
        Path manifestFile = dir.resolve(Manifest.FILE);
        if (Files.exists(manifestFile)) {
            manifest = Manifest.read(manifestFile);
            String recorded = manifest.inputs().path("config_sha256").asText();
            if (!recorded.equals(configSha)) {
                throw new BadInputException("night " + night + " was started with other settings (" + manifestFile
                        + " records configuration " + recorded.substring(0, Math.min(12, recorded.length())) + ", this run has "
                        + configSha.substring(0, 12) + "); run it with the same settings, or remove " + dir
                        + " to start the night over");
            }
            if (manifest.finished()) {
                progress.note("night " + night + " finished earlier; nothing to do");
                return result(true);
            }
        }
        Path teacherDir = modelDirectory(config.teacher(), "teacher");
        Path studentBaseDir = modelDirectory(config.studentBase(), "student_base");
        String teacherSha = Checkpoint.sha256(teacherDir);
        String studentBaseSha = Checkpoint.sha256(studentBaseDir);
        long traceSeed = config.traceSeedFor(night);
        if (traceSeed == config.evalSeed()) {
            throw new NightlyConfig.Invalid("traces.seed", "derived from night " + night + " (" + traceSeed
                    + ") equals eval.seed; set traces.seed or eval.seed explicitly");
        }
        if (manifest == null) {
            ObjectNode inputs = Manifest.json().createObjectNode();
            inputs.set("config", configJson);
            inputs.put("config_sha256", configSha);
            inputs.putObject("teacher").put("ref", config.teacher()).put("sha256", teacherSha);
            inputs.putObject("student_base").put("ref", config.studentBase()).put("sha256", studentBaseSha);
            inputs.put("night", night.toString()).put("trace_seed", traceSeed).put("eval_seed", config.evalSeed())
                    .put("sft_seed", config.sft().seed());
            inputs.put("exporter_format", exporter.format());
            manifest = Manifest.create(manifestFile, night.toString(), inputs);
            manifest.write();
        } else {
            requireUnchanged("teacher", teacherSha);
            requireUnchanged("student_base", studentBaseSha);
        }

        Task named = Task.named(config.task());
        TaskGenerator task = named.generator().orElseThrow();
        Reward reward = named.correctness(false, 1);
        List<Problem> heldOut = task.generate(config.evalProblems(), config.evalSeed());

        Path traces = dir.resolve("traces.jsonl");
        Path student = dir.resolve("student");
        Path evalFile = dir.resolve("eval.json");
        Path export = dir.resolve("export");

        stage(Stage.TRACES, () -> new TracesStage(context).run(task, reward, heldOut, traceSeed, teacherDir, teacherSha, traces));
        stage(Stage.TRAIN, () -> new TrainStage(context).run(traces, studentBaseDir, studentBaseSha, teacherSha, student));

        boolean ownRelease = published.isPresent() && published.get().night().equals(night.toString());
        String baselineName;
        Path baselineDir;
        String baselineSha;
        if (ownRelease || published.isEmpty()) {
            // Published by this night already (the run stopped right after the swap), or nothing published yet.
            baselineName = ownRelease ? manifest.decision().path("baseline").asText("student base") : "student base";
            baselineDir = studentBaseDir;
            baselineSha = ownRelease ? manifest.decision().path("baseline_sha256").asText(studentBaseSha) : studentBaseSha;
        } else {
            baselineName = "published student (night " + published.get().night() + ")";
            baselineDir = published.get().directory();
            baselineSha = published.get().studentSha256();
        }
        if (manifest.stageFinished(Stage.EVALUATE) && !baselineSha.equals(manifest.decision().path("baseline_sha256").asText())) {
            progress.note("the published student changed since night " + night + " was evaluated; evaluating again");
            manifest.status(Stage.EVALUATE, Manifest.StageStatus.PENDING);
        }
        stage(Stage.EVALUATE, () -> new EvaluateStage(context, manifest)
                .run(reward, heldOut, student, baselineName, baselineDir, baselineSha, evalFile));
        boolean publish = manifest.decision().path("published").asBoolean(false);

        if (!publish) {
            String kept = published.isPresent() ? "the gate kept the published student"
                    : "the gate refused the student, and nothing is published yet";
            skip(Stage.EXPORT, kept + "; nothing to export");
            skip(Stage.PUBLISH, kept);
        } else {
            if (manifest.status(Stage.EXPORT) == Manifest.StageStatus.SKIPPED) {
                manifest.status(Stage.EXPORT, Manifest.StageStatus.PENDING);
            }
            stage(Stage.EXPORT, () -> new ExportStage(context, exporter).run(student, export));
            stage(Stage.PUBLISH, () -> new PublishStage(context, manifest, publisher, exporter).run(student, export, ownRelease));
        }
        manifest.finish();
        return result(false);
    }

    @FunctionalInterface
    private interface Body {
        StageResult run() throws IOException;
    }

    private void stage(Stage s, Body body) {
        if (manifest.stageFinished(s)) {
            verifier.verifyOutputs(manifest, s, manifest.file(), true);
            progress.stageFinished(s, StageOutcome.REUSED, manifest.stage(s).path("summary").asText(""));
            return;
        }
        progress.stageStarted(s);
        manifest.started(s);
        long t0 = System.nanoTime();
        StageResult done;
        try {
            done = body.run();
        } catch (IOException e) {
            throw new UncheckedIOException("stage " + s.key() + " of night " + night + ": " + e.getMessage(), e);
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Path p : done.outputs()) {
            if (Files.isDirectory(p)) {
                Hashes.ofDirectory(p).forEach((rel, sha) -> outputs.put(context.relative(p.resolve(rel)), sha));
            } else {
                outputs.put(context.relative(p), Hashes.sha256(p));
            }
        }
        manifest.finished(s, Manifest.StageStatus.DONE, outputs, done.figures(), done.summary(), (System.nanoTime() - t0) / 1e9);
        progress.stageFinished(s, StageOutcome.DONE, done.summary());
    }

    private void skip(Stage s, String why) {
        if (manifest.status(s) != Manifest.StageStatus.SKIPPED) {
            manifest.finished(s, Manifest.StageStatus.SKIPPED, Map.of(), null, why, 0);
        }
        progress.stageFinished(s, StageOutcome.SKIPPED, why);
    }

    private void requireUnchanged(String field, String sha) {
        String recorded = manifest.inputs().path(field).path("sha256").asText();
        if (!recorded.equals(sha)) {
            throw new BadInputException(field + " " + manifest.inputs().path(field).path("ref").asText() + " changed since night "
                    + night + " started (" + manifest.file() + " records SHA-256 " + recorded + ", now " + sha
                    + "); restore it, or remove " + nightDirectory() + " to start the night over");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private NightlyResult result(boolean alreadyDone) {
        JsonNode d = manifest.decision();
        JsonNode m = manifest.root().path("metrics");
        boolean published = d.path("published").asBoolean(false);
        JsonNode diff = m.path("difference");
        return new NightlyResult(night, published ? NightlyResult.Outcome.PUBLISHED : NightlyResult.Outcome.KEPT_PREVIOUS,
                alreadyDone, d.path("reason").asText(""), passAt1(m.path("candidate")), passAt1(m.path("baseline")),
                d.path("baseline").asText(""), diff.path("pass_at_1").asDouble(Double.NaN),
                new Estimators.Interval(diff.path("ci95").path(0).asDouble(Double.NaN), diff.path("ci95").path(1).asDouble(Double.NaN)),
                manifest.file());
    }

    private static NightlyResult.PassAt1 passAt1(JsonNode o) {
        return new NightlyResult.PassAt1(o.path("pass_at_1").asDouble(Double.NaN),
                new Estimators.Interval(o.path("ci95").path(0).asDouble(Double.NaN), o.path("ci95").path(1).asDouble(Double.NaN)),
                o.path("n").asInt(0), o.path("k").asInt(0));
    }

    private static Path modelDirectory(String ref, String field) {
        Path dir = BuiltinModels.resolve(ref);
        if (!Files.isDirectory(dir)) {
            throw new NightlyConfig.Invalid(field, "must name a model directory or builtin:NAME; " + ref + " is not a directory");
        }
        return dir;
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
