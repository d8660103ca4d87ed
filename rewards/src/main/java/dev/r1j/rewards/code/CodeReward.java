package dev.r1j.rewards.code;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.code.internal.CodeExtractor;
import dev.r1j.rewards.code.internal.OutputMatch;
import dev.r1j.rewards.code.internal.StdioTest;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scores Python programs by running them against tests in a {@link Sandbox}.
 *
 * <p>Two kinds of {@link TaskKind#CODE} problems are understood, by their metadata:
 * <ul>
 *   <li>HumanEval style — {@code test} (defines {@code check}) and {@code entry_point}: the program
 *       is the prompt, the completion, the test code and {@code check(entry_point)}, followed by a
 *       line that prints a random per-run marker. The run passes only if it exits 0 <em>and</em>
 *       printed the marker, so a program that exits early ({@code sys.exit(0)}, {@code os._exit(0)})
 *       before the tests ran fails.</li>
 *   <li>stdin/stdout — {@code tests}: a JSON array of {@code {"input": ..., "output": ...}}; the
 *       program is the completion alone, run once per test, and passes a test when it exits 0 and
 *       its stdout equals the expected output up to trailing whitespace.</li>
 * </ul>
 * The program is the last {@code ```python} block of the completion when it has one, else the
 * completion as is. Problems whose {@code language} metadata is {@code java} take a single Java
 * source file (the last {@code ```java} block) and stdin/stdout tests only. Never throws on a
 * completion; thread-safe.
 */
public final class CodeReward implements Reward {

    private static final SecureRandom NONCES = new SecureRandom();
    private static final int MAX_REASON_CHARS = 300;
    private static final Set<String> JAVA_TAGS = Set.of("java");

    private final Sandbox sandbox;
    private final SandboxLimits limits;
    private final Credit credit;
    private final int workers;
    private final ThreadPoolExecutor pool;

    private CodeReward(Builder builder, Sandbox sandbox) {
        this.sandbox = sandbox;
        this.limits = builder.limits;
        this.credit = builder.credit;
        this.workers = builder.workers;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(workers, workers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "r1j-code-reward-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        // Idle workers go away, so an abandoned reward holds no threads.
        this.pool.allowCoreThreadTimeOut(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The sandbox that runs the programs. */
    public Sandbox sandbox() {
        return sandbox;
    }

    public SandboxLimits limits() {
        return limits;
    }

    public Credit credit() {
        return credit;
    }

    public int workers() {
        return workers;
    }

    /**
     * @throws BadInputException when {@code problem} is not a code problem or its metadata has neither
     *                           {@code test} and {@code entry_point} nor a valid {@code tests} array
     */
    @Override
    public RewardResult score(Problem problem, String completion) {
        Objects.requireNonNull(problem, "problem");
        if (problem.kind() != TaskKind.CODE) {
            throw new BadInputException("problem " + problem.id() + ": CodeReward scores CODE problems, not "
                    + problem.kind());
        }
        Language language = Language.fromMetadata(problem.id(), problem.metadata().get("language"));
        String code = language == Language.JAVA ? CodeExtractor.extract(completion, JAVA_TAGS)
                : CodeExtractor.extract(completion);
        String tests = problem.metadata().get("tests");
        if (tests != null) {
            return scoreStdio(language, code, StdioTest.parse(problem.id(), tests));
        }
        if (language != Language.PYTHON) {
            throw BadInputException.at(null, 0, "tests", "problem " + problem.id() + ": " + language
                    + " problems need stdin/stdout 'tests'; HumanEval-style 'test' code is Python only");
        }
        String test = problem.metadata().get("test");
        String entryPoint = problem.metadata().get("entry_point");
        if (test == null || entryPoint == null || entryPoint.isBlank()) {
            throw BadInputException.at(null, 0, test == null ? "test" : "entry_point", "problem " + problem.id()
                    + ": a code problem needs metadata 'test' and 'entry_point' (HumanEval style) or 'tests' "
                    + "(a JSON array of stdin/stdout pairs)");
        }
        return scoreHumanEval(problem, code, test, entryPoint.strip());
    }

    /**
     * Scores {@code completions.get(i)} against {@code problems.get(i)} on this reward's workers, in
     * order.
     */
    public List<RewardResult> scoreAll(List<Problem> problems, List<String> completions) {
        if (problems.size() != completions.size()) {
            throw new BadInputException("scoreAll needs one completion per problem, got " + problems.size()
                    + " problems and " + completions.size() + " completions");
        }
        List<Future<RewardResult>> futures = new ArrayList<>(problems.size());
        for (int i = 0; i < problems.size(); i++) {
            Problem problem = problems.get(i);
            String completion = completions.get(i);
            futures.add(pool.submit(() -> score(problem, completion)));
        }
        List<RewardResult> results = new ArrayList<>(futures.size());
        try {
            for (Future<RewardResult> future : futures) {
                results.add(future.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
        return results;
    }

    private RewardResult scoreHumanEval(Problem problem, String code, String test, String entryPoint) {
        String marker = "__r1j_tests_done_" + HexFormat.of().formatHex(nonce()) + "__";
        String program = problem.prompt() + code + "\n" + test + "\n" + "check(" + entryPoint + ")\n"
                // Written straight to fd 1, so a program that swaps sys.stdout cannot swallow it.
                + "__import__('os').write(1, b'\\n" + marker + "\\n')\n";
        Sandbox.Result result = runSafely(Language.PYTHON, program, "");
        if (result == null) {
            return RewardResult.wrong(code, "sandbox error while running the program");
        }
        String failure = failureOf(result);
        if (failure != null) {
            return RewardResult.wrong(code, failure);
        }
        if (!result.stdout().lines().anyMatch(marker::equals)) {
            return RewardResult.wrong(code, "exited before the tests ran");
        }
        return RewardResult.correct(code, "all tests passed");
    }

    private RewardResult scoreStdio(Language language, String code, List<StdioTest> tests) {
        int passed = 0;
        String firstFailure = null;
        for (int i = 0; i < tests.size(); i++) {
            StdioTest test = tests.get(i);
            Sandbox.Result result = runSafely(language, code, test.input());
            String failure = result == null ? "sandbox error while running the program" : failureOf(result);
            if (failure == null && !OutputMatch.matches(test.output(), result.stdout())) {
                failure = "wrong output (expected " + quote(test.output()) + ", got " + quote(result.stdout()) + ")";
            }
            if (failure == null) {
                passed++;
            } else {
                if (firstFailure == null) {
                    firstFailure = "test " + (i + 1) + " of " + tests.size() + ": " + failure;
                }
                if (credit == Credit.ALL_OR_NOTHING) {
                    break;
                }
            }
        }
        boolean all = passed == tests.size();
        double score = credit == Credit.FRACTION_OF_TESTS ? (double) passed / tests.size() : (all ? 1.0 : 0.0);
        String reason = all ? tests.size() + " of " + tests.size() + " tests passed"
                : (credit == Credit.FRACTION_OF_TESTS ? passed + " of " + tests.size() + " tests passed; " : "")
                + firstFailure;
        return new RewardResult(score, all, code, reason);
    }

    private Sandbox.Result runSafely(Language language, String program, String stdin) {
        try {
            return sandbox.run(language, program, stdin, limits);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Why a run failed, or null when it exited 0 within its limits. */
    private static String failureOf(Sandbox.Result result) {
        if (result.killedByLimit()) {
            return result.limitReason();
        }
        if (result.exitCode() == 0) {
            return null;
        }
        String lastLine = lastLine(result.stderr());
        if (result.stderr().startsWith("bwrap:") || result.stderr().startsWith("setpriv:")
                || result.stderr().startsWith("cannot start")) {
            return "sandbox unavailable: " + lastLine;
        }
        if (result.stderr().contains("error: compilation failed")) {
            String firstError = result.stderr().lines().filter(l -> l.contains("error:")).findFirst().orElse("");
            return "compilation failed: " + clip(firstError.strip());
        }
        String javaException = result.stderr().lines().filter(l -> l.startsWith("Exception in thread"))
                .findFirst().orElse(null);
        if (javaException != null) {
            return clip(javaException.strip());
        }
        if (result.exitCode() > 128 && result.exitCode() < 128 + 65) {
            return "killed by signal " + (result.exitCode() - 128) + (lastLine.isEmpty() ? "" : ": " + lastLine);
        }
        return lastLine.isEmpty() ? "exit code " + result.exitCode() : clip(lastLine);
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.isEmpty() ? "" : clip(lines.get(lines.size() - 1));
    }

    private static String quote(String text) {
        return "'" + clip(text.strip().replace("\n", "\\n")) + "'";
    }

    private static String clip(String text) {
        return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "...";
    }

    private static byte[] nonce() {
        byte[] bytes = new byte[16];
        NONCES.nextBytes(bytes);
        return bytes;
    }

    /** Configuration of a {@link CodeReward}; defaults: 1 worker, all-or-nothing, default limits, sandbox required. */
    public static final class Builder {
        private int workers = 1;
        private Credit credit = Credit.ALL_OR_NOTHING;
        private SandboxLimits limits = SandboxLimits.defaults();
        private boolean allowUnsandboxed;
        private Sandbox sandbox;

        private Builder() {
        }

        /** Programs run at once by {@link #scoreAll}; at least 1. */
        public Builder workers(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("workers must be at least 1, was " + value);
            }
            this.workers = value;
            return this;
        }

        public Builder credit(Credit value) {
            this.credit = Objects.requireNonNull(value, "credit");
            return this;
        }

        public Builder limits(SandboxLimits value) {
            this.limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /**
         * When true and no sandbox works here, run programs without isolation (still under rlimits and
         * the timeout) and log a warning. False by default: building then fails instead.
         */
        public Builder allowUnsandboxed(boolean value) {
            this.allowUnsandboxed = value;
            return this;
        }

        /** Use this sandbox instead of detecting one. */
        public Builder sandbox(Sandbox value) {
            this.sandbox = Objects.requireNonNull(value, "sandbox");
            return this;
        }

        /**
         * @throws SandboxUnavailableException when no sandbox works here and
         *                                     {@link #allowUnsandboxed(boolean)} was not set
         */
        public CodeReward build() {
            Sandbox chosen = sandbox;
            if (chosen == null) {
                try {
                    chosen = Sandbox.detect();
                } catch (SandboxUnavailableException e) {
                    if (!allowUnsandboxed) {
                        throw e;
                    }
                    System.getLogger(CodeReward.class.getName()).log(System.Logger.Level.WARNING,
                            "sandbox unavailable (" + e.getMessage() + "); allowUnsandboxed(true) was set");
                    chosen = Sandbox.unsandboxed();
                }
            }
            System.getLogger(CodeReward.class.getName()).log(System.Logger.Level.INFO,
                    "code reward runs programs with " + chosen.description());
            return new CodeReward(this, chosen);
        }
    }
}
