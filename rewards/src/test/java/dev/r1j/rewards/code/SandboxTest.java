package dev.r1j.rewards.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile programs, each checked by a side effect observed from outside the sandbox. */
class SandboxTest {

    static Sandbox sandbox;
    static final SandboxLimits LIMITS = SandboxLimits.defaults().withWallTime(Duration.ofSeconds(5)).withCpuSeconds(3);

    @TempDir
    Path hostDir;

    @BeforeAll
    static void detect() {
        // CI installs bubblewrap; a machine without it must refuse rather than run unsandboxed.
        if (Sandbox.unavailableReason().isPresent()) {
            try {
                Sandbox.detect();
            } catch (SandboxUnavailableException e) {
                assertTrue(e.getMessage().contains("bubblewrap"), e.getMessage());
            }
        }
        assumeTrue(Sandbox.unavailableReason().isEmpty(), "bubblewrap is not usable here");
        sandbox = Sandbox.detect();
    }

    RunResult run(String program) {
        return sandbox.runPython(program, "", LIMITS);
    }

    @Test
    void ordinaryProgramsRunWithTheirInput() {
        RunResult r = sandbox.runPython("import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))", "1 2 3", LIMITS);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("6", r.stdout().strip());
    }

    @Test
    void noNetworkEvenToTheLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            server.setSoTimeout(200);
            int port = server.getLocalPort();
            RunResult r = run("import socket\ns=socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(('127.0.0.1', " + port
                    + "))\n    print('CONNECTED')\nexcept Exception as e:\n    print('refused', type(e).__name__)");
            assertFalse(r.stdout().contains("CONNECTED"), r.stdout());
            AtomicBoolean accepted = new AtomicBoolean(false);
            try {
                server.accept().close();
                accepted.set(true);
            } catch (SocketTimeoutException expected) {
                // nothing reached the host
            }
            assertFalse(accepted.get(), "the host's listening socket was reached");
        }
    }

    @Test
    void hostFilesAreNeitherReadableNorWritable() throws IOException {
        Path secret = hostDir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        secret.toFile().setReadable(true, false);
        hostDir.toFile().setReadable(true, false);
        hostDir.toFile().setExecutable(true, false);
        hostDir.toFile().setWritable(true, false);
        Path target = hostDir.resolve("written.txt");
        RunResult r = run("import os\n"
                + "for p in ['" + secret + "', '/root/.bashrc', '/etc/passwd', '/work']:\n"
                + "    try:\n        print(p, open(p).read()[:20])\n    except Exception as e:\n        print(p, 'denied', type(e).__name__)\n"
                + "try:\n    open('" + target + "', 'w').write('x')\n    print('WROTE')\nexcept Exception as e:\n    print('write denied', type(e).__name__)\n"
                + "print(sorted(os.listdir('/')))");
        assertFalse(r.stdout().contains("TOP-SECRET"), r.stdout());
        assertFalse(r.stdout().contains("root:"), "no /etc/passwd: " + r.stdout());
        assertFalse(Files.exists(target), "a file appeared outside the sandbox");
        assertFalse(r.stdout().contains("'root'") || r.stdout().contains("'home'") || r.stdout().contains("'work'"), r.stdout());
    }

    @Test
    void forkBombsAreBounded() {
        RunResult r = run("import os\nn=0\ntry:\n    while True:\n        if os.fork()==0:\n            import time; time.sleep(30)\n"
                + "        n+=1\nexcept OSError as e:\n    print('stopped at', n)\n");
        assertTrue(r.stdout().contains("stopped at"), "the process limit must stop the forks: " + r.stdout() + r.stderr());
        int forks = Integer.parseInt(r.stdout().trim().split("\\s+")[2]);
        assertTrue(forks < LIMITS.maxProcesses(), "forked " + forks);
    }

    @Test
    void memoryBombsFail() {
        RunResult r = run("x = bytearray(4 * 1024 * 1024 * 1024)\nprint('ALLOCATED')");
        assertFalse(r.stdout().contains("ALLOCATED"));
        assertTrue(r.stderr().contains("MemoryError"), r.stderr());
    }

    @Test
    void endlessLoopsAreStopped() {
        RunResult busy = run("while True:\n    pass");
        assertTrue(busy.exitCode() != 0, "CPU limit or wall clock must end it");
        RunResult sleeper = run("import time\ntime.sleep(60)");
        assertTrue(sleeper.timedOut(), "the wall clock ends a sleeping program");
        assertTrue(sleeper.wallMillis() < 30_000, "ended near the limit, not after the sleep");
    }

    @Test
    void outputFloodsAreCapped() {
        RunResult r = sandbox.runPython("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)",  "",
                new SandboxLimits(Duration.ofSeconds(3), 2, 1L << 30, 32, 16L << 20, 4096));
        assertTrue(r.outputTruncated());
        assertTrue(r.stdout().length() <= 4096);
    }

    @Test
    void daemonsDoNotOutliveTheRun() throws Exception {
        String marker = "r1jdaemon" + System.nanoTime();
        RunResult r = run("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                + "        import sys; sys.argv[0] = '" + marker + "'\n        time.sleep(120)\n    os._exit(0)\n"
                + "print('parent done')");
        assertTrue(r.stdout().contains("parent done"), r.stderr());
        Thread.sleep(500);
        // Any process left running from a sandbox run shows up under a sandbox uid (60000-60063).
        // Exited processes waiting for the host's init to collect them (state Z) run nothing and
        // are not counted.
        Process ps = new ProcessBuilder("ps", "-eo", "uid=,stat=,args=").start();
        String all = new String(ps.getInputStream().readAllBytes());
        ps.waitFor();
        for (String line : all.split("\n")) {
            String[] f = line.strip().split("\\s+", 3);
            if (f.length == 3 && f[0].startsWith("600") && !f[1].startsWith("Z")) {
                throw new AssertionError("a sandbox process survived its run: " + line.strip());
            }
        }
    }

    @Test
    void signalsCannotReachTheHost() {
        RunResult a = run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('after')");
        RunResult b = run("import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept Exception as e:\n    print(e)");
        RunResult c = run("import os, signal\ntry:\n    os.kill(1, signal.SIGKILL)\nexcept Exception as e:\n    print(e)");
        // We are still here, and the sandbox still works.
        RunResult after = run("print('alive')");
        assertEquals("alive", after.stdout().strip());
        assertTrue(a != null && b != null && c != null);
    }

    @Test
    void unisolatedRunnerStillAppliesLimits() {
        Sandbox open = Sandbox.unisolated();
        assertFalse(open.isolated());
        RunResult r = open.runPython("import time\ntime.sleep(30)", "", LIMITS.withWallTime(Duration.ofSeconds(1)));
        assertTrue(r.timedOut());
    }
}
