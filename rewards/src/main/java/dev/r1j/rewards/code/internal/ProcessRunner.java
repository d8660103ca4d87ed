package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command with a wall-clock limit and capped output: stdin is fed and stdout/stderr drained on
 * their own threads, so a program that floods its output or never reads its input cannot block the
 * caller; past the limit the process is killed (the sandbox's PID namespace takes its children with it).
 */
public final class ProcessRunner {

    private ProcessRunner() {}

    public static RunResult run(List<String> command, String stdin, Duration wallTime, int maxOutputBytes) {
        long start = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            return new RunResult(-1, "", "could not start: " + e.getMessage(), false, false, 0);
        }
        CappedReader out = new CappedReader(p.getInputStream(), maxOutputBytes);
        CappedReader err = new CappedReader(p.getErrorStream(), maxOutputBytes);
        Thread feeder = new Thread(() -> feed(p.getOutputStream(), stdin), "sandbox-stdin");
        feeder.setDaemon(true);
        out.start();
        err.start();
        feeder.start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(wallTime.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                // Kill the sandbox's processes first and let bubblewrap reap them and exit; killing
                // bubblewrap first would orphan its dead children as zombies of the host's init.
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
            out.join(2000);
            err.join(2000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            timedOut = true;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        int exit = timedOut ? -1 : p.exitValue();
        return new RunResult(exit, out.text(), err.text(), timedOut, out.truncated() || err.truncated(), millis);
    }

    private static void feed(OutputStream in, String stdin) {
        try (in) {
            if (stdin != null && !stdin.isEmpty()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the program exited or closed its input: nothing more to feed
        }
    }

    /** Keeps the first {@code cap} bytes of a stream and discards the rest while still draining it. */
    private static final class CappedReader extends Thread {
        private final InputStream in;
        private final int cap;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean truncated;

        CappedReader(InputStream in, int cap) {
            super("sandbox-output");
            setDaemon(true);
            this.in = in;
            this.cap = cap;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    int room = cap - kept.size();
                    if (room > 0) {
                        kept.write(buf, 0, Math.min(room, n));
                    }
                    if (n > room) {
                        truncated = true;
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }

        synchronized String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }

        boolean truncated() {
            return truncated;
        }
    }
}
