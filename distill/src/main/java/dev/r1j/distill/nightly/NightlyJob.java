package dev.r1j.distill.nightly;

import dev.r1j.rewards.tasks.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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

    private NightlyJob(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        this.workdir = b.workdir.toAbsolutePath().normalize();
        this.night = b.night == null ? NightId.today() : b.night;
        this.exporter = Objects.requireNonNull(b.exporter, "exporter");
        this.progress = b.progress == null ? NightlyProgress.silent() : b.progress;
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
        return workdir.resolve("nights").resolve(night.toString());
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
        verifyEarlierNights(nights);
        if (published.isPresent()) {
            crossCheck(published.get(), nights);
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

        stage(Stage.TRACES, () -> traces(task, reward, heldOut, traceSeed, teacherDir, teacherSha, traces));
        stage(Stage.TRAIN, () -> train(traces, studentBaseDir, studentBaseSha, teacherSha, student));

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
        stage(Stage.EVALUATE, () -> evaluate(task, reward, heldOut, student, baselineName, baselineDir, baselineSha, evalFile));
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
            stage(Stage.EXPORT, () -> export(student, export));
            stage(Stage.PUBLISH, () -> publish(student, export, ownRelease));
        }
        manifest.finish();
        return result(false);
    }

    /** What a stage did: its outputs (absolute paths), figures for the manifest, and a one-line summary. */
    private record Done(List<Path> outputs, ObjectNode figures, String summary) {}

    @FunctionalInterface
    private interface Body {
        Done run() throws IOException;
    }

    private void stage(Stage s, Body body) {
        if (manifest.stageFinished(s)) {
            verifyOutputs(manifest, s, manifest.file());
            progress.stageFinished(s, StageOutcome.REUSED, manifest.stage(s).path("summary").asText(""));
            return;
        }
        progress.stageStarted(s);
        manifest.started(s);
        long t0 = System.nanoTime();
        Done done;
        try {
            done = body.run();
        } catch (IOException e) {
            throw new UncheckedIOException("stage " + s.key() + " of night " + night + ": " + e.getMessage(), e);
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Path p : done.outputs()) {
            if (Files.isDirectory(p)) {
                Hashes.ofDirectory(p).forEach((rel, sha) -> outputs.put(relative(p.resolve(rel)), sha));
            } else {
                outputs.put(relative(p), Hashes.sha256(p));
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

    // ---------------------------------------------------------------------------------------------
    // Stages

    private Done traces(TaskGenerator task, Reward reward, List<Problem> heldOut, long seed, Path teacherDir, String teacherSha,
                        Path out) {
        Set<String> held = new HashSet<>();
        heldOut.forEach(p -> held.add(p.prompt()));
        List<Problem> drawn = task.generate(config.traceProblems(), seed);
        List<Problem> problems = drawn.stream().filter(p -> !held.contains(p.prompt())).toList();
        try (Checkpoint cp = Checkpoint.load(teacherDir); DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            int maxNew = fitting(cp, template, problems, config.traceMaxNewTokens());
            SamplingParams sampling = SamplingParams.builder().temperature(config.traceTemperature()).maxNewTokens(maxNew)
                    .seed(seed).build();
            TraceGenerator.Settings settings = new TraceGenerator.Settings(config.samplesPerProblem(), config.selection(),
                    config.capPerProblem(), sampling, Runtime.getRuntime().availableProcessors());
            TraceGenerator.Summary s = new TraceGenerator(gen, template, reward, config.teacher(), teacherSha, settings)
                    .generate(problems, out, progress);
            if (s.traces() == 0) {
                throw new IllegalStateException("the teacher's " + s.samples() + " samples on " + problems.size()
                        + " problems held no verified completion: nothing to train the student on (is " + config.teacher()
                        + " a model for task " + config.task() + "?)");
            }
            ObjectNode f = Manifest.json().createObjectNode().put("problems", problems.size())
                    .put("problems_dropped_as_held_out", drawn.size() - problems.size()).put("seed", seed)
                    .put("samples", s.samples()).put("correct_samples", s.correctSamples())
                    .put("problems_with_traces", s.problemsWithTraces()).put("traces", s.traces()).put("max_new_tokens", maxNew);
            return new Done(List.of(out), f, String.format(java.util.Locale.ROOT,
                    "%d traces for %d of %d problems (%.1f%% of %d samples correct)", s.traces(), s.problemsWithTraces(),
                    problems.size(), 100.0 * s.correctSamples() / Math.max(1, s.samples()), s.samples()));
        }
    }

    private Done train(Path traces, Path baseDir, String baseSha, String teacherSha, Path out) {
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
            SupervisedTrainer trainer = new SupervisedTrainer(cp.model(), config.sft(), nightDirectory().resolve("train"),
                    cp.tokenizer().padId(), progress);
            SupervisedTrainer.Result r = trainer.train(examples, List.of());
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put("night", night.toString());
            facts.put("teacher", config.teacher());
            facts.put("teacher_sha256", teacherSha);
            facts.put("traces", relative(traces));
            facts.put("traces_sha256", Hashes.sha256(traces));
            facts.put("traces_count", Integer.toString(all.size()));
            facts.put("steps", Long.toString(r.steps()));
            facts.put("final_loss", Double.toString(r.lastLoss()));
            cp.model().mergeAdapter(); // with sft.lora the published student is the base with the adapter folded in
            Checkpoint.write(out, cp.model(), cp.tokenizer(), cp.template().orElse(PromptTemplate.DEFAULT),
                    Provenance.of(config.sft().seed(), "r1j nightly (night " + night + ")", baseSha, config.toJson(), facts));
            ObjectNode f = Manifest.json().createObjectNode().put("traces", all.size()).put("steps", r.steps())
                    .put("tokens", r.tokens()).put("final_loss", r.lastLoss()).put("student_sha256", Checkpoint.sha256(out));
            return new Done(List.of(out), f, String.format(java.util.Locale.ROOT, "%d steps on %d traces, final loss %.4f",
                    r.steps(), all.size(), r.lastLoss()));
        }
    }

    private Done evaluate(TaskGenerator task, Reward reward, List<Problem> heldOut, Path student, String baselineName,
                          Path baselineDir, String baselineSha, Path out) {
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
        writeJson(out, e);
        ObjectNode f = Manifest.json().createObjectNode().put("candidate_pass_at_1", d.candidate().value())
                .put("baseline_pass_at_1", d.baseline().value()).put("difference", d.difference())
                .put("publish", d.publish());
        return new Done(List.of(out), f, (d.publish() ? "publish: " : "keep: ") + d.reason());
    }

    private int[] counts(Path modelDir, List<Problem> problems, Reward reward, String job) {
        try (Checkpoint cp = Checkpoint.load(modelDir); DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            PromptTemplate template = cp.template().orElse(PromptTemplate.DEFAULT);
            SamplingParams params = SamplingParams.builder().temperature(config.evalTemperature()).seed(config.evalSeed())
                    .maxNewTokens(fitting(cp, template, problems, config.evalMaxNewTokens())).build();
            return PairedEvaluation.correctCounts(gen, template, problems, reward, config.evalK(), params, job, progress);
        }
    }

    private Done export(Path student, Path out) {
        AtomicFiles.replaceDirectory(out, tmp -> exporter.export(student, tmp));
        ObjectNode f = Manifest.json().createObjectNode().put("format", exporter.format());
        return new Done(List.of(out), f, "serving artifact (" + exporter.format() + ") in " + relative(out));
    }

    private Done publish(Path student, Path export, boolean alreadySwapped) {
        String studentSha = Checkpoint.sha256(student);
        Optional<Path> current = publisher.currentRelease();
        Map<String, String> files;
        if (alreadySwapped && current.isPresent()) {
            files = Hashes.ofDirectory(current.get());   // verified at start; the swap had happened
        } else {
            ObjectNode facts = Manifest.json().createObjectNode().put("format", exporter.format());
            facts.set("pass_at_1", manifest.metrics().path("candidate").deepCopy());
            facts.put("compared_with", manifest.decision().path("baseline").asText());
            files = publisher.publish(night.toString(), student, export, facts);
        }
        Path release = publisher.currentRelease().orElseThrow();
        ObjectNode f = Manifest.json().createObjectNode().put("release", relative(release)).put("student_sha256", studentSha)
                .put("format", exporter.format());
        List<Path> outputs = files.keySet().stream().map(release::resolve).toList();
        return new Done(outputs, f, "published as " + relative(publisher.link()) + " -> " + relative(release));
    }

    // ---------------------------------------------------------------------------------------------
    // Verification

    private void verifyEarlierNights(Path nights) {
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
            if (d.getFileName().toString().equals(night.toString())) {
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
                if (isDone(m, s)) {
                    verifyOutputs(m, s, file);
                }
            }
        }
    }

    private static boolean isDone(Manifest m, Stage s) {
        return m.status(s) == Manifest.StageStatus.DONE;
    }

    /** Each recorded output of {@code s} must exist with its recorded hash; a publish stage's pruned release is skipped. */
    private void verifyOutputs(Manifest m, Stage s, Path manifestFile) {
        if (s == Stage.PUBLISH) {
            String release = m.stage(s).path("figures").path("release").asText("");
            if (!release.isEmpty() && !Files.isDirectory(workdir.resolve(release))) {
                return; // an older release, deleted when a newer one was published
            }
        }
        for (Map.Entry<String, String> e : m.outputs(s).entrySet()) {
            Path f = workdir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                throw new CorruptionException(f, "is missing; " + manifestFile + " records it as an output of stage "
                        + s.key() + (m == manifest ? "; remove " + nightDirectory() + " to run the night again" : ""));
            }
            String actual = Hashes.sha256(f);
            if (!actual.equals(e.getValue())) {
                throw new CorruptionException(f, "has SHA-256 " + actual + " but " + manifestFile + " records "
                        + e.getValue() + " for stage " + s.key() + " (changed or damaged after it was written)");
            }
        }
    }

    /** The published release's night must have recorded the same student. */
    private void crossCheck(Publisher.Published p, Path nights) {
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

    private static ObjectNode figures(NightlyResult.PassAt1 p) {
        ObjectNode o = Manifest.json().createObjectNode().put("pass_at_1", p.value());
        o.putArray("ci95").add(p.interval().low()).add(p.interval().high());
        o.put("interval", "95% Wilson over completions").put("n", p.problems()).put("k", p.k());
        return o;
    }

    private static NightlyResult.PassAt1 passAt1(JsonNode o) {
        return new NightlyResult.PassAt1(o.path("pass_at_1").asDouble(Double.NaN),
                new Estimators.Interval(o.path("ci95").path(0).asDouble(Double.NaN), o.path("ci95").path(1).asDouble(Double.NaN)),
                o.path("n").asInt(0), o.path("k").asInt(0));
    }

    /** The configured length, or less when the model's positions run out after the longest prompt. */
    private static int fitting(Checkpoint cp, PromptTemplate template, List<Problem> problems, int wanted) {
        int longest = 0;
        for (Problem p : problems) {
            longest = Math.max(longest, cp.tokenizer().encode(template.render(p.prompt())).length);
        }
        return Math.max(1, Math.min(wanted, cp.config().maxPositionEmbeddings() - longest));
    }

    private static Path modelDirectory(String ref, String field) {
        Path dir = BuiltinModels.resolve(ref);
        if (!Files.isDirectory(dir)) {
            throw new NightlyConfig.Invalid(field, "must name a model directory or builtin:NAME; " + ref + " is not a directory");
        }
        return dir;
    }

    private String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(workdir) ? workdir.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    private static boolean hasVisibleFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> !p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void writeJson(Path file, JsonNode node) {
        try {
            AtomicFiles.writeString(file, Manifest.json().writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
