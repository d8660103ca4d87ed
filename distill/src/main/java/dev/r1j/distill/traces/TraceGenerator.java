package dev.r1j.distill.traces;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.ParallelScorer;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rejection sampling from a teacher: N completions per problem, scored by a verifier; only correct
 * ones are kept ({@link TraceSelection}), duplicates dropped, at most a cap per problem, each written
 * with its provenance. Problems are processed in chunks; after each chunk the traces are appended
 * and {@code FILE.state.json} records how many problems are done, so a killed run continues where
 * it stopped and writes the same traces (sampling seeds depend on the problem's position only).
 */
public final class TraceGenerator {

    /** What a run produced. */
    public record Summary(int problems, int problemsWithTraces, long traces, long samples, long correctSamples) {}

    /**
     * @param samplesPerProblem N, completions sampled per problem (>= 1)
     * @param selection         which correct completions to keep
     * @param capPerProblem     most traces kept per problem (>= 1)
     * @param sampling          temperature, top-p, length and the base seed
     * @param rewardThreads     threads scoring completions
     */
    public record Settings(int samplesPerProblem, TraceSelection selection, int capPerProblem, SamplingParams sampling,
                           int rewardThreads) {
        public Settings {
            if (samplesPerProblem < 1 || capPerProblem < 1 || rewardThreads < 1) {
                throw new IllegalArgumentException("samples per problem, cap per problem and reward threads must be >= 1, were "
                        + samplesPerProblem + ", " + capPerProblem + " and " + rewardThreads);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Generator teacher;
    private final PromptTemplate template;
    private final Reward reward;
    private final String teacherId;
    private final String teacherSha256;
    private final Settings settings;

    private final long teacherParameters;

    public TraceGenerator(Generator teacher, PromptTemplate template, Reward reward, String teacherId, String teacherSha256,
                          Settings settings) {
        this(teacher, template, reward, teacherId, teacherSha256, settings, 0);
    }

    /**
     * @param teacherParameters the teacher's parameter count, for the FLOPs in the cost ledger
     *                          ({@code FILE.ledger.json}); 0 when unknown (FLOPs are then booked as 0)
     */
    public TraceGenerator(Generator teacher, PromptTemplate template, Reward reward, String teacherId, String teacherSha256,
                          Settings settings, long teacherParameters) {
        if (teacherParameters < 0) {
            throw new IllegalArgumentException("teacher parameters must be >= 0, was " + teacherParameters);
        }
        this.teacherParameters = teacherParameters;
        this.teacher = teacher;
        this.template = template;
        this.reward = reward;
        this.teacherId = teacherId;
        this.teacherSha256 = teacherSha256;
        this.settings = settings;
    }

    /** Writes the traces of {@code problems} to {@code out}, continuing a previous run on the same file. */
    public Summary generate(List<Problem> problems, Path out, ProgressListener progress) {
        Path state = stateFile(out);
        int done = readDone(state);
        CostLedger ledger = done == 0 ? new CostLedger() : CostLedger.read(ledgerFile(out));
        List<Trace> kept = readExisting(out, done);
        Set<String> seen = new HashSet<>();
        Set<Long> withTraces = new HashSet<>();
        for (Trace t : kept) {
            seen.add(t.prompt() + '\u0000' + t.completion());
            withTraces.add(t.index());
        }
        // A chunk whose traces were appended but whose state was not yet recorded is dropped and redone.
        rewrite(out, kept);
        long traces = kept.size();
        long samples = 0;
        long correct = 0;
        int n = settings.samplesPerProblem();
        int chunk = Math.max(1, 64 / n);
        progress.started("traces", done, problems.size());
        try (ParallelScorer scorer = new ParallelScorer(reward, settings.rewardThreads())) {
            for (int start = done; start < problems.size(); start += chunk) {
                List<Problem> part = problems.subList(start, Math.min(problems.size(), start + chunk));
                List<String> prompts = part.stream().map(p -> template.render(p.prompt())).toList();
                SamplingParams params = settings.sampling().toBuilder().seed(settings.sampling().seed() + start).build();
                long genStart = System.nanoTime();
                List<Completion> completions = teacher.generate(prompts, n, params);
                long scoreStart = System.nanoTime();
                List<RewardResult> scores = scorer.score(completions.stream().map(c -> part.get(c.promptIndex())).toList(),
                        completions.stream().map(Completion::text).toList());
                long generated = completions.stream().mapToLong(Completion::length).sum();
                ledger.add("generation", (scoreStart - genStart) / 1e9, generated, 2.0 * teacherParameters * generated);
                ledger.add("scoring", (System.nanoTime() - scoreStart) / 1e9, 0, 0);
                StringBuilder lines = new StringBuilder();
                String now = Instant.now().toString();
                for (int i = 0; i < part.size(); i++) {
                    List<Candidate> good = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        Completion c = completions.get(i * n + j);
                        RewardResult r = scores.get(i * n + j);
                        samples++;
                        if (r.correct()) {
                            correct++;
                            good.add(new Candidate(c, r));
                        }
                    }
                    for (Candidate c : select(good)) {
                        if (!seen.add(prompts.get(i) + '\u0000' + c.completion().text())) {
                            continue;
                        }
                        Trace t = new Trace(start + i, part.get(i).id(), prompts.get(i), c.completion().text(), c.result().score(),
                                teacherId, teacherSha256, params.temperature(), params.topP(), params.maxNewTokens(),
                                settings.sampling().seed(), now);
                        lines.append(t.toJson()).append('\n');
                        traces++;
                        withTraces.add((long) (start + i));
                    }
                }
                append(out, lines.toString());
                ledger.write(ledgerFile(out));
                int finished = Math.min(problems.size(), start + chunk);
                AtomicFiles.writeString(state, JSON.createObjectNode().put("problems_done", finished) + "\n");
                Map<String, Double> figures = new LinkedHashMap<>();
                figures.put("kept", (double) traces);
                figures.put("correct", samples == 0 ? Double.NaN : (double) correct / samples);
                progress.step(finished, figures);
            }
        } finally {
            progress.finished();
        }
        return new Summary(problems.size(), withTraces.size(), traces, samples, correct);
    }

    private record Candidate(Completion completion, RewardResult result) {
        double meanLogProb() {
            return completion.length() == 0 ? Double.NEGATIVE_INFINITY : completion.totalLogProb() / completion.length();
        }
    }

    /** The kept candidates of one problem, in sampling order (best first for best-of-N). */
    private List<Candidate> select(List<Candidate> good) {
        if (good.isEmpty()) {
            return good;
        }
        if (settings.selection() == TraceSelection.BEST_OF_N) {
            Candidate best = good.get(0);
            for (Candidate c : good) {
                if (c.meanLogProb() > best.meanLogProb()) {
                    best = c;
                }
            }
            return List.of(best);
        }
        List<Candidate> distinct = new ArrayList<>();
        Set<String> texts = new HashSet<>();
        for (Candidate c : good) {
            if (texts.add(c.completion().text()) && distinct.size() < settings.capPerProblem()) {
                distinct.add(c);
            }
        }
        return distinct;
    }

    /**
     * {@code FILE.ledger.json} beside the traces file: seconds, generated tokens and FLOPs of the
     * teacher's sampling and of scoring, continued across resumes.
     */
    public static Path ledgerFile(Path out) {
        return out.resolveSibling(out.getFileName() + ".ledger.json");
    }

    /** {@code FILE.state.json} beside the traces file. */
    public static Path stateFile(Path out) {
        return out.resolveSibling(out.getFileName() + ".state.json");
    }

    private static int readDone(Path state) {
        if (!Files.exists(state)) {
            return 0;
        }
        try {
            return JSON.readTree(state.toFile()).path("problems_done").asInt(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + state, e);
        }
    }

    /** The traces in {@code out} of problems before {@code done}; the rest belong to an unfinished chunk. */
    private static List<Trace> readExisting(Path out, int done) {
        List<Trace> kept = new ArrayList<>();
        if (!Files.exists(out)) {
            return kept;
        }
        for (Trace t : read(out)) {
            if (t.index() < done) {
                kept.add(t);
            }
        }
        return kept;
    }

    /** Every trace of a traces file; a bad line names the file, line and field. */
    public static List<Trace> read(Path file) {
        List<Trace> out = new ArrayList<>();
        try {
            long n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (!line.isBlank()) {
                    out.add(Trace.parse(line, file, n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    private static void rewrite(Path out, List<Trace> traces) {
        StringBuilder sb = new StringBuilder();
        traces.forEach(t -> sb.append(t.toJson()).append('\n'));
        AtomicFiles.writeString(out, sb.toString());
    }

    private static void append(Path out, String text) {
        try {
            Files.writeString(out, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + out, e);
        }
    }
}
