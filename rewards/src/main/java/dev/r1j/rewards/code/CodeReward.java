package dev.r1j.rewards.code;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scores Python code by running it in a {@link Sandbox}. Two kinds of problems:
 * <ul>
 *   <li>HumanEval style (metadata {@code test} and {@code entry_point}): the program is the prompt, the
 *       completion, the test code and {@code check(entry_point)};</li>
 *   <li>stdin/stdout (metadata {@code tests}, a JSON array of {@code {"input", "output"}}): the
 *       completion runs once per test and its output must match, trailing whitespace aside.</li>
 * </ul>
 * Code is taken from the last fenced {@code ```python} block of the completion when there is one. A
 * program must print a per-run random marker after its tests to pass, so exiting early with status 0
 * ({@code sys.exit(0)}, {@code os._exit(0)}) fails. Never throws on model output; thread-safe.
 */
public final class CodeReward implements Reward {

    public static final String TESTS = "tests";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom NONCES = new SecureRandom();

    private final Sandbox sandbox;
    private final SandboxLimits limits;
    private final Credit credit;
    private final int workers;

    private CodeReward(Builder b) {
        this.sandbox = b.allowUnsandboxed && Sandbox.unavailableReason().isPresent() ? Sandbox.unisolated() : Sandbox.detect();
        this.limits = b.limits;
        this.credit = b.credit;
        this.workers = b.workers;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Sandbox sandbox() {
        return sandbox;
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        try {
            String code = extractCode(completion == null ? "" : completion);
            if (problem.metadata().containsKey(TESTS)) {
                return stdioTests(problem, code);
            }
            if (problem.metadata().containsKey(HumanEval.TEST) && problem.metadata().containsKey(HumanEval.ENTRY_POINT)) {
                return humanEval(problem, code);
            }
            return RewardResult.wrong(code, "problem has neither 'tests' nor 'test' and 'entry_point' metadata");
        } catch (RuntimeException e) {
            return RewardResult.wrong("", "could not run: " + e.getMessage());
        }
    }

    /** Scores completion i of problem i for every i, with the configured number of parallel runs. */
    public List<RewardResult> scoreAll(List<Problem> problems, List<String> completions) {
        if (problems.size() != completions.size()) {
            throw new IllegalArgumentException(problems.size() + " problems but " + completions.size() + " completions");
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "code-reward");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RewardResult>> futures = new ArrayList<>();
            for (int i = 0; i < problems.size(); i++) {
                Problem p = problems.get(i);
                String c = completions.get(i);
                futures.add(pool.submit(() -> score(p, c)));
            }
            List<RewardResult> out = new ArrayList<>();
            for (Future<RewardResult> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scoring failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private RewardResult humanEval(Problem problem, String code) {
        String marker = nonce();
        String entry = problem.metadata().get(HumanEval.ENTRY_POINT);
        String program = problem.prompt() + code + "\n\n" + problem.metadata().get(HumanEval.TEST) + "\n\n"
                + "check(" + entry + ")\n" + "print(" + pythonString(marker) + ")\n";
        RunResult r = sandbox.runPython(program, "", limits);
        if (r.timedOut()) {
            return RewardResult.wrong(code, "timeout after " + limits.wallTime().toSeconds() + " s");
        }
        if (r.exitCode() != 0) {
            return RewardResult.wrong(code, "failed (exit " + r.exitCode() + "): " + r.lastErrorLine());
        }
        if (!r.stdout().contains(marker)) {
            return RewardResult.wrong(code, "exited before the tests ran");
        }
        return RewardResult.correct(code, "all tests passed");
    }

    private RewardResult stdioTests(Problem problem, String code) {
        JsonNode tests;
        try {
            tests = JSON.readTree(problem.metadata().get(TESTS));
        } catch (Exception e) {
            return RewardResult.wrong(code, "problem's tests are not JSON: " + e.getMessage());
        }
        if (tests == null || !tests.isArray() || tests.size() == 0) {
            return RewardResult.wrong(code, "problem has no tests");
        }
        int passed = 0;
        String firstFailure = null;
        for (JsonNode t : tests) {
            String marker = nonce();
            // The marker goes to stderr after the program ends normally, so stdout stays the program's own.
            String program = code + "\n\nimport sys as _r1j_sys\n_r1j_sys.stderr.write(" + pythonString(marker) + ")\n";
            RunResult r = sandbox.runPython(program, t.path("input").asText(""), limits);
            String why = null;
            if (r.timedOut()) {
                why = "timeout after " + limits.wallTime().toSeconds() + " s";
            } else if (r.exitCode() != 0) {
                why = "exit " + r.exitCode() + ": " + r.lastErrorLine();
            } else if (!r.stderr().contains(marker)) {
                why = "exited before finishing";
            } else if (!sameOutput(r.stdout(), t.path("output").asText(""))) {
                why = "wrong output";
            }
            if (why == null) {
                passed++;
            } else if (firstFailure == null) {
                firstFailure = why;
            }
        }
        int total = tests.size();
        double score = credit == Credit.FRACTION_OF_TESTS ? (double) passed / total : passed == total ? 1.0 : 0.0;
        return new RewardResult(score, passed == total, code, passed + "/" + total + " tests passed"
                + (firstFailure == null ? "" : "; first failure: " + firstFailure));
    }

    /** Outputs match when equal line by line with trailing whitespace (and trailing blank lines) ignored. */
    static boolean sameOutput(String actual, String expected) {
        return normalizeOutput(actual).equals(normalizeOutput(expected));
    }

    private static String normalizeOutput(String s) {
        String[] lines = s.replace("\r\n", "\n").split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.stripTrailing()).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** The last fenced python block, or the whole completion when there is none. */
    static String extractCode(String completion) {
        int end = completion.lastIndexOf("```");
        if (end < 0) {
            return completion;
        }
        int start = completion.lastIndexOf("```", end - 1);
        if (start < 0) {
            return completion;
        }
        String block = completion.substring(start + 3, end);
        int nl = block.indexOf('\n');
        String lang = nl < 0 ? "" : block.substring(0, nl).strip();
        if (lang.isEmpty() || lang.equalsIgnoreCase("python") || lang.equalsIgnoreCase("py") || lang.equalsIgnoreCase("python3")) {
            return nl < 0 ? "" : block.substring(nl + 1);
        }
        return completion;
    }

    private static String nonce() {
        byte[] b = new byte[16];
        NONCES.nextBytes(b);
        return "R1J-DONE-" + HexFormat.of().formatHex(b);
    }

    private static String pythonString(String s) {
        return "'" + s + "'"; // nonces are hex: no quoting needed
    }

    @Override
    public String name() {
        return "code";
    }

    /** Builds a {@link CodeReward}; each setting documents its default. */
    public static final class Builder {
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Credit credit = Credit.ALL_OR_NOTHING;
        private SandboxLimits limits = SandboxLimits.defaults();
        private boolean allowUnsandboxed = false;

        private Builder() {}

        /** Parallel runs in {@link #scoreAll}; default: the number of processors. */
        public Builder workers(int v) {
            if (v < 1 || v > 64) {
                throw new IllegalArgumentException("workers must be in [1, 64], was " + v);
            }
            workers = v;
            return this;
        }

        /** Default {@link Credit#ALL_OR_NOTHING}. */
        public Builder credit(Credit v) {
            credit = Objects.requireNonNull(v);
            return this;
        }

        /** Default {@link SandboxLimits#defaults()}. */
        public Builder limits(SandboxLimits v) {
            limits = Objects.requireNonNull(v);
            return this;
        }

        /** Run without isolation when no sandbox works here (limits and timeout only); default false: refuse. */
        public Builder allowUnsandboxed(boolean v) {
            allowUnsandboxed = v;
            return this;
        }

        /** @throws SandboxUnavailableException when no sandbox works here and unsandboxed runs are not allowed */
        public CodeReward build() {
            return new CodeReward(this);
        }
    }
}
