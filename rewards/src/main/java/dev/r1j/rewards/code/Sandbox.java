package dev.r1j.rewards.code;

import dev.r1j.rewards.code.internal.SandboxProvider;

import java.time.Duration;
import java.util.Objects;

/**
 * Runs an untrusted program (Python, or Java) with resource limits.
 *
 * <p>The sandbox returned by {@link #detect()} uses bubblewrap: no network, no other namespace
 * shared with the host, a read-only {@code /usr} and nothing else of the host file system (no home
 * directories, no host {@code /tmp}), a private size-limited {@code /tmp}, an unprivileged user
 * without capabilities, kernel limits (CPU, address space, processes, file size, open files), a
 * wall-clock timeout, capped output, and every process of a run killed when it ends.
 * Implementations are thread-safe.
 */
public interface Sandbox {

    /**
     * The bubblewrap sandbox, after a self-test (run once per JVM) showed that it works and that its
     * limits bind.
     *
     * @throws SandboxUnavailableException when bubblewrap or Python is missing or the self-test fails
     */
    static Sandbox detect() {
        return SandboxProvider.isolated();
    }

    /**
     * A runner without isolation: the program runs as this JVM's user with full access to the file
     * system and network, under the same kernel limits and timeout. Only for machines where no sandbox
     * can be had and the programs are trusted; logs a warning.
     */
    static Sandbox unsandboxed() {
        return SandboxProvider.unsandboxed();
    }

    /** Whether programs are isolated from the host; false for {@link #unsandboxed()}. */
    boolean isolated();

    /** What runs the programs (tool, interpreter), for logs. */
    String description();

    /**
     * Runs {@code source}, a program in {@code language}, with {@code stdin} on its standard input.
     * Never throws on anything the program does; returns once every process of the run is gone (or,
     * without isolation, once the main process is).
     */
    Result run(Language language, String source, String stdin, SandboxLimits limits);

    /** Runs a Python program; see {@link #run(Language, String, String, SandboxLimits)}. */
    default Result run(String pythonSource, String stdin, SandboxLimits limits) {
        return run(Language.PYTHON, pythonSource, stdin, limits);
    }

    /**
     * What one run did.
     *
     * @param exitCode        the program's exit status; 128 + n when killed by signal n
     * @param stdout          standard output, at most the output cap (UTF-8, malformed bytes replaced)
     * @param stderr          standard error, at most the output cap
     * @param timedOut        killed because the wall-clock limit passed
     * @param killedByLimit   stopped by a limit: wall time, CPU time, file size or output cap
     * @param outputTruncated stdout or stderr went over the cap (the run was then killed)
     * @param limitReason     which limit stopped the run ("timeout after 5 s", ...), empty when none
     * @param elapsed         wall time of the run
     */
    record Result(int exitCode, String stdout, String stderr, boolean timedOut, boolean killedByLimit,
                  boolean outputTruncated, String limitReason, Duration elapsed) {

        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
            Objects.requireNonNull(limitReason, "limitReason");
            Objects.requireNonNull(elapsed, "elapsed");
        }

        /** Exited with status 0 and no limit was hit. */
        public boolean succeeded() {
            return exitCode == 0 && !killedByLimit;
        }
    }
}
