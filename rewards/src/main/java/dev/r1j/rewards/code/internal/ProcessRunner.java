package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.Sandbox;
import dev.r1j.rewards.code.SandboxLimits;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts one child process, feeds its stdin, drains stdout and stderr into capped buffers on
 * background threads, enforces the wall-clock limit and kills the child's whole tree when the run
 * ends for any reason.
 */
final class ProcessRunner {

    private static final int SIGKILL = 9;
    private static final int SIGXCPU = 24;
    private static final int SIGXFSZ = 25;
    /** How long to wait for the pipes to reach end of stream once the process is gone. */
    private static final long DRAIN_GRACE_MS = 2000;

    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();
    /** Pipe threads: created on demand, daemons, gone after a minute idle. */
    private static final ExecutorService IO = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "r1j-sandbox-io-" + THREAD_COUNT.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });

    private ProcessRunner() {
    }

    /**
     * Runs {@code command} with {@code input} on stdin and the given environment (the JVM's own is
     * not passed on). Returns a result rather than throwing when the process cannot start: exit code
     * 127 and the reason on stderr.
     */
    static Sandbox.Result execute(List<String> command, Map<String, String> environment, byte[] input,
                                  SandboxLimits limits) {
        long start = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File("/"));
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Sandbox.Result(127, "", "cannot start " + command.get(0) + ": " + e.getMessage(),
                    false, false, false, "", Duration.ofNanos(System.nanoTime() - start));
        }
        AtomicBoolean killedForOutput = new AtomicBoolean();
        Runnable killForOutput = () -> {
            killedForOutput.set(true);
            killTree(process);
        };
        BoundedCapture stdout = new BoundedCapture(process.getInputStream(), limits.maxOutputBytes(), killForOutput);
        BoundedCapture stderr = new BoundedCapture(process.getErrorStream(), limits.maxOutputBytes(), killForOutput);
        Future<?> outReader = IO.submit(stdout);
        Future<?> errReader = IO.submit(stderr);
        Future<?> writer = IO.submit(() -> feed(process.getOutputStream(), input));

        boolean timedOut = false;
        try {
            if (!process.waitFor(limits.wallTime().toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = !killedForOutput.get();
                killTree(process);
                process.waitFor();
            }
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
        }
        // Anything the program left behind goes too (inside the sandbox its PID namespace has died
        // already; this catches children of an unsandboxed run that are still attached).
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        awaitDrained(outReader, process);
        awaitDrained(errReader, process);
        writer.cancel(true);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        int exitCode = process.isAlive() ? 128 + SIGKILL : process.exitValue();
        String limitReason = "";
        if (timedOut) {
            limitReason = "timeout after " + seconds(limits.wallTime()) + " s";
        } else if (killedForOutput.get()) {
            limitReason = "output exceeded " + limits.maxOutputBytes() + " bytes";
        } else if (exitCode == 128 + SIGXCPU || (exitCode == 128 + SIGKILL && cpuLimitLikely(elapsed, limits))) {
            limitReason = "CPU limit of " + limits.cpuSeconds() + " s exceeded";
        } else if (exitCode == 128 + SIGXFSZ) {
            limitReason = "file size limit of " + limits.maxFileBytes() + " bytes exceeded";
        }
        return new Sandbox.Result(exitCode, stdout.text(), stderr.text(), timedOut, !limitReason.isEmpty(),
                stdout.overflowed() || stderr.overflowed(), limitReason, elapsed);
    }

    /** A SIGKILL after at least the CPU limit in wall time is the kernel's hard CPU limit. */
    private static boolean cpuLimitLikely(Duration elapsed, SandboxLimits limits) {
        return elapsed.toMillis() >= limits.cpuSeconds() * 1000L;
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.valueOf(millis / 1000.0);
    }

    private static void feed(OutputStream stdin, byte[] input) {
        try (stdin) {
            stdin.write(input);
        } catch (IOException programStoppedReading) {
            // The program exited or closed stdin before reading all of it: not our failure.
        }
    }

    private static void killTree(Process process) {
        // The root first: bubblewrap's init then dies with its parent, taking the PID namespace along.
        process.destroyForcibly();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static void awaitDrained(Future<?> reader, Process process) {
        try {
            reader.get(DRAIN_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillOpen) {
            // An escaped process still holds the pipe (only possible without isolation): stop reading.
            closeQuietly(process);
            reader.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException unexpected) {
            // BoundedCapture catches its I/O errors; nothing else can fail there.
        }
    }

    private static void closeQuietly(Process process) {
        try {
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException ignored) {
            // Closing a pipe we no longer read: nothing to recover.
        }
    }
}
