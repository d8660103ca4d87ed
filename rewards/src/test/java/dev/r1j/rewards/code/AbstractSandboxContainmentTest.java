package dev.r1j.rewards.code;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile programs, each checked by its side effects as seen from the host. Subclasses supply the
 * sandbox mode under test.
 */
abstract class AbstractSandboxContainmentTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    /** The sandbox under test; called once per test. */
    protected abstract Sandbox sandbox();

    private Sandbox.Result run(String program, SandboxLimits limits) {
        Sandbox sandbox = sandbox();
        assertTrue(sandbox.isolated());
        return assertTimeoutPreemptively(HANG_GUARD, () -> sandbox.run(program, "", limits));
    }

    private Sandbox.Result run(String program) {
        return run(program, SandboxLimits.defaults());
    }

    /** A number no other process on the machine has as its argument, so that it can be found afterwards. */
    private static String uniqueSleepArgument() {
        return "9" + ThreadLocalRandom.current().nextInt(100_000, 999_999) + "." + ThreadLocalRandom.current()
                .nextInt(100_000, 999_999);
    }

    private static List<ProcessHandle> processesWithArgument(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)
                        || p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                .toList();
    }

    private void assertSandboxStillWorks() {
        Sandbox.Result result = run("print(sum(range(10)))");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("45", result.stdout().strip());
    }

    @Test
    void ordinaryProgramRunsAndReadsStdin() {
        Sandbox.Result result = sandbox().run("import sys\nprint(sys.stdin.read().upper(), end='')", "hello\nworld\n",
                SandboxLimits.defaults());
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("HELLO\nWORLD\n", result.stdout());
        assertFalse(result.timedOut());
        assertFalse(result.killedByLimit());
    }

    @Test
    void javaProgramRunsInsideTheSameWalls() {
        Sandbox sandbox = sandbox();
        Sandbox.Result result = assertTimeoutPreemptively(HANG_GUARD, () -> sandbox.run(Language.JAVA,
                "public class Probe { public static void main(String[] a) throws Exception {\n"
                        + "  System.out.println(new String(System.in.readAllBytes()).strip() + ' '"
                        + " + java.nio.file.Files.exists(java.nio.file.Path.of(\"/root\")));\n"
                        + "  try { new java.net.Socket(\"127.0.0.1\", 22); System.out.println(\"net\"); }"
                        + " catch (java.io.IOException e) { System.out.println(\"no net\"); }\n} }\n",
                "hi", SandboxLimits.defaults().withWallTime(Duration.ofSeconds(30)).withCpuSeconds(10)));
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("hi false\nno net", result.stdout().strip());
    }

    @Test
    void runsAsAnUnprivilegedUserWithoutCapabilities() {
        Sandbox.Result result = run("import os\n"
                + "status = open('/proc/self/status').read()\n"
                + "caps = [l.split()[1] for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))]\n"
                + "print(os.getuid() != 0, os.geteuid() != 0, *caps)");
        assertEquals("True True 0000000000000000 0000000000000000 0000000000000000", result.stdout().strip(),
                result.stderr());
    }

    @Test
    void cannotReachANetworkPortOpenedByTheHost() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            Sandbox.Result result = run("import socket\n"
                    + "try:\n"
                    + "    s = socket.create_connection(('127.0.0.1', " + port + "), timeout=2)\n"
                    + "    s.sendall(b'leak')\n"
                    + "    print('connected')\n"
                    + "except OSError as e:\n"
                    + "    print('refused', e)\n"
                    + "try:\n"
                    + "    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
                    + "    print('internet')\n"
                    + "except OSError as e:\n"
                    + "    print('no internet', e)\n");
            assertTrue(result.stdout().contains("refused"), result.stdout() + result.stderr());
            assertTrue(result.stdout().contains("no internet"), result.stdout() + result.stderr());
            server.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, server::accept, "the host's socket received a connection");
        }
    }

    @Test
    void cannotWriteIntoTheHostFileSystem(@TempDir Path hostDir) {
        Path target = hostDir.resolve("escaped.txt");
        Sandbox.Result result = run("import os\n"
                + "for path in [" + pyString(target.toString()) + ", '/usr/escaped.txt', '/etc/escaped.txt']:\n"
                + "    try:\n"
                + "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
                + "        open(path, 'w').write('escaped')\n"
                + "        print('wrote', path)\n"
                + "    except OSError as e:\n"
                + "        print('blocked', path, e)\n");
        assertTrue(result.stdout().contains("blocked /usr/escaped.txt"), result.stdout() + result.stderr());
        assertFalse(Files.exists(target), "the program wrote into a host directory");
        assertFalse(Files.exists(Path.of("/usr/escaped.txt")));
        assertFalse(Files.exists(Path.of("/etc/escaped.txt")));
    }

    @Test
    void cannotReadHostSecretsOrHomeDirectories(@TempDir Path hostDir) throws IOException {
        String secret = "secret-" + uniqueSleepArgument();
        Path secretFile = hostDir.resolve("secret.txt");
        Files.writeString(secretFile, secret);
        Sandbox.Result result = run("import os\n"
                + "for path in [" + pyString(secretFile.toString()) + ", '/root/.m2/settings.xml', '/etc/shadow']:\n"
                + "    try:\n"
                + "        print(open(path).read())\n"
                + "    except OSError as e:\n"
                + "        print('unreadable', e)\n"
                + "print('visible:', [p for p in ('/root', '/home', '/work', '/tmp/' + "
                + pyString(hostDir.getFileName().toString()) + ") if os.path.exists(p)])\n"
                + "print('env:', sorted(os.environ))\n");
        assertFalse(result.stdout().contains(secret), "the secret leaked: " + result.stdout());
        assertTrue(result.stdout().contains("visible: []"), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("env: ['HOME', 'LANG', 'PATH', 'PWD']"), result.stdout() + result.stderr());
    }

    @Test
    void forkBombIsBoundedAndLeavesNothingBehind() {
        String marker = uniqueSleepArgument();
        SandboxLimits limits = SandboxLimits.defaults().withMaxProcesses(16).withWallTime(Duration.ofSeconds(5));
        Sandbox.Result result = run("import os\n"
                + "forks = 0\n"
                + "for _ in range(10000):\n"
                + "    try:\n"
                + "        if os.fork() == 0:\n"
                + "            os.execv('/usr/bin/sleep', ['sleep', '" + marker + "'])\n"
                + "        forks += 1\n"
                + "    except OSError:\n"
                + "        break\n"
                + "print('forks', forks)\n", limits);
        String line = result.stdout().strip();
        assertTrue(line.startsWith("forks "), line + result.stderr());
        assertTrue(Integer.parseInt(line.substring(6)) < 16, line);
        assertEquals(List.of(), processesWithArgument(marker), "processes of the run survived it");
        assertSandboxStillWorks();
    }

    @Test
    void recursiveForkBombEndsWithTheRun() {
        SandboxLimits limits = SandboxLimits.defaults().withMaxProcesses(16).withWallTime(Duration.ofSeconds(3))
                .withCpuSeconds(2);
        Sandbox.Result result = run("import os\n"
                + "while True:\n"
                + "    try:\n"
                + "        os.fork()\n"
                + "    except OSError:\n"
                + "        pass\n", limits);
        assertTrue(result.killedByLimit(), result.toString());
        assertSandboxStillWorks();
    }

    @Test
    void memoryBombFailsInsideTheSandbox() {
        Sandbox.Result result = run("blocks = []\n"
                + "while True:\n"
                + "    blocks.append(bytearray(64 * 1024 * 1024))\n");
        assertFalse(result.succeeded());
        assertFalse(result.timedOut(), result.toString());
        assertTrue(result.stderr().contains("MemoryError"), result.stderr());
        assertSandboxStillWorks();
    }

    @Test
    void endlessLoopIsStoppedByTheCpuLimit() {
        Sandbox.Result result = run("while True:\n    pass\n",
                SandboxLimits.defaults().withCpuSeconds(1).withWallTime(Duration.ofSeconds(20)));
        assertTrue(result.killedByLimit(), result.toString());
        assertFalse(result.timedOut(), result.toString());
        assertEquals("CPU limit of 1 s exceeded", result.limitReason());
    }

    @Test
    void sleepingProgramIsStoppedByTheWallClock() {
        String marker = uniqueSleepArgument();
        Sandbox.Result result = run("import os\nos.execv('/usr/bin/sleep', ['sleep', '" + marker + "'])\n",
                SandboxLimits.defaults().withWallTime(Duration.ofSeconds(1)));
        assertTrue(result.timedOut(), result.toString());
        assertTrue(result.killedByLimit());
        assertEquals("timeout after 1 s", result.limitReason());
        assertEquals(List.of(), processesWithArgument(marker));
    }

    @Test
    void outputFloodIsCappedAndEndsTheRun() {
        SandboxLimits limits = SandboxLimits.defaults().withMaxOutputBytes(4096).withWallTime(Duration.ofSeconds(20));
        Sandbox.Result out = run("while True:\n    print('x' * 1000)\n", limits);
        assertTrue(out.outputTruncated(), out.toString());
        assertTrue(out.killedByLimit());
        assertFalse(out.timedOut());
        assertEquals(4096, out.stdout().length());
        assertEquals("output exceeded 4096 bytes", out.limitReason());

        Sandbox.Result err = run("import sys\nwhile True:\n    sys.stderr.write('y' * 1000)\n", limits);
        assertTrue(err.outputTruncated());
        assertEquals(4096, err.stderr().length());
    }

    @Test
    void daemonsDoNotOutliveTheRun(@TempDir Path hostDir) throws InterruptedException {
        String marker = uniqueSleepArgument();
        Path witness = hostDir.resolve("daemon-was-here");
        Sandbox.Result result = run("import os, time\n"
                + "if os.fork() == 0:\n"
                + "    os.setsid()\n"
                + "    if os.fork() == 0:\n"
                + "        if os.fork() == 0:\n"
                + "            time.sleep(1)\n"
                + "            try:\n"
                + "                open(" + pyString(witness.toString()) + ", 'w').write('alive')\n"
                + "            except OSError:\n"
                + "                pass\n"
                + "            os._exit(0)\n"
                + "        os.execv('/usr/bin/sleep', ['sleep', '" + marker + "'])\n"
                + "    os._exit(0)\n"
                + "time.sleep(0.3)\n"
                + "print('parent done')\n");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(List.of(), processesWithArgument(marker), "a daemon of the run is still alive");
        Thread.sleep(1500);
        assertFalse(Files.exists(witness));
        assertEquals(List.of(), processesWithArgument(marker));
    }

    @Test
    void signalsCannotReachTheHost() {
        for (String attack : List.of("os.kill(os.getppid(), 9)", "os.kill(-1, 9)", "os.killpg(0, 9)",
                "os.kill(1, 9)")) {
            Sandbox.Result result = run("import os\ntry:\n    " + attack + "\nexcept OSError as e:\n    print(e)\n");
            assertTrue(result.exitCode() == 0 || result.exitCode() == 137, attack + ": " + result);
        }
        assertTrue(ProcessHandle.current().isAlive());
        assertSandboxStillWorks();
    }

    @Test
    void fileSizeAndTmpAreLimited() {
        Sandbox.Result result = run("import os\n"
                + "try:\n"
                + "    with open('/tmp/big', 'wb') as f:\n"
                + "        f.write(b'x' * (8 * 1024 * 1024))\n"
                + "    print('wrote', os.path.getsize('/tmp/big'))\n"
                + "except OSError as e:\n"
                + "    print('limited', e.errno)\n",
                SandboxLimits.defaults().withMaxFileBytes(1024 * 1024));
        assertTrue(result.stdout().startsWith("limited"), result.toString());
    }

    private static String pyString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
