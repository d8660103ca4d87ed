package dev.r1j.rewards.code;

import dev.r1j.rewards.code.internal.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Runs untrusted Python programs. The isolating sandbox is bubblewrap: new user, PID, network, IPC,
 * UTS and mount namespaces (no network at all), a read-only {@code /usr} and nothing else of the host
 * (no home directories, no {@code /etc}, no {@code /work}), a private size-limited {@code /tmp}, a
 * scrubbed environment, a new session (no terminal injection), and death with its parent. Inside,
 * {@code prlimit} caps CPU seconds, address space, processes, file size and open files; the wall
 * clock is enforced from Java by killing the sandbox, whose PID namespace takes every process of the
 * run with it (daemons included).
 *
 * <p>Resource limits do not bind root, so when the JVM runs as root each run is started as one of a
 * pool of unprivileged users (uids 60000-60063, one per concurrent run so that their process limits do
 * not add up).
 *
 * <p>{@link #detect()} refuses with {@link SandboxUnavailableException} when isolation is impossible
 * here; {@link #unisolated()} is the explicit opt-out (limits and timeout only, with a warning).
 */
public final class Sandbox {

    private static final Logger LOG = Logger.getLogger(Sandbox.class.getName());
    private static final Path BWRAP = Path.of("/usr/bin/bwrap");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final int FIRST_UID = 60000;
    private static final int UIDS = 64;
    private static final BlockingQueue<Integer> FREE_UIDS = new ArrayBlockingQueue<>(UIDS);

    static {
        for (int i = 0; i < UIDS; i++) {
            FREE_UIDS.add(FIRST_UID + i);
        }
    }

    private final boolean isolated;
    private final boolean root;

    private Sandbox(boolean isolated) {
        this.isolated = isolated;
        this.root = runningAsRoot();
    }

    /** The isolating sandbox, after a self-test; throws when it cannot work here, saying why. */
    public static Sandbox detect() {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new SandboxUnavailableException("no sandbox for untrusted code: " + why.get()
                    + ". Install bubblewrap (apt-get install -y bubblewrap) or explicitly allow unsandboxed execution.");
        }
        return new Sandbox(true);
    }

    /** Why the isolating sandbox cannot run here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        for (Path p : new Path[] {BWRAP, PRLIMIT, PYTHON}) {
            if (!Files.isExecutable(p)) {
                return Optional.of(p + " is missing");
            }
        }
        if (runningAsRoot() && !Files.isExecutable(SETPRIV)) {
            return Optional.of(SETPRIV + " is missing (needed to drop root)");
        }
        RunResult r = new Sandbox(true).runPython("print('ok')", "", SandboxLimits.defaults());
        if (r.exitCode() != 0 || !r.stdout().strip().equals("ok")) {
            return Optional.of("the bubblewrap self-test failed (exit " + r.exitCode() + "): " + r.lastErrorLine());
        }
        return Optional.empty();
    }

    /**
     * Runs programs WITHOUT filesystem or network isolation: resource limits, a dropped uid when root,
     * and the wall-clock limit only. For machines where bubblewrap cannot run and the caller accepts
     * the risk.
     */
    public static Sandbox unisolated() {
        LOG.warning("running model-written code WITHOUT a sandbox: it can read and write this machine's files "
                + "and use its network");
        return new Sandbox(false);
    }

    public boolean isolated() {
        return isolated;
    }

    /** Runs {@code program} with {@code python3 -I}, feeding {@code stdin}. */
    public RunResult runPython(String program, String stdin, SandboxLimits limits) {
        Path dir = null;
        Integer uid = null;
        try {
            dir = Files.createTempDirectory("r1j-sandbox-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            Path main = dir.resolve("main.py");
            Files.writeString(main, program, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(main, PosixFilePermissions.fromString("rw-r--r--"));
            if (root) {
                uid = FREE_UIDS.take();
            }
            return ProcessRunner.run(command(dir, uid, limits), stdin, limits.wallTime(), limits.maxOutputBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a sandboxed run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RunResult(-1, "", "interrupted", true, false, 0);
        } finally {
            if (uid != null) {
                FREE_UIDS.add(uid);
            }
            deleteQuietly(dir);
        }
    }

    private List<String> command(Path dir, Integer uid, SandboxLimits limits) {
        List<String> c = new ArrayList<>();
        if (uid != null) {
            c.addAll(List.of(SETPRIV.toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all"));
        }
        String script = dir.resolve("main.py").toString();
        if (isolated) {
            c.addAll(List.of(BWRAP.toString(), "--unshare-all", "--die-with-parent", "--new-session",
                    "--ro-bind", "/usr", "/usr"));
            for (String top : new String[] {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
                Path p = Path.of(top);
                if (Files.isSymbolicLink(p)) {
                    try {
                        c.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), top));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    c.addAll(List.of("--ro-bind", top, top));
                }
            }
            c.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", Long.toString(64L << 20), "--tmpfs", "/tmp",
                    "--ro-bind", dir.toString(), "/sandbox", "--clearenv",
                    "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp",
                    "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
                    "--chdir", "/tmp", "--"));
            script = "/sandbox/main.py";
        }
        c.addAll(List.of(PRLIMIT.toString(), "--cpu=" + limits.cpuSeconds(), "--as=" + limits.addressSpaceBytes(),
                "--nproc=" + limits.maxProcesses(), "--fsize=" + limits.maxFileBytes(), "--nofile=64", "--core=0",
                "--", PYTHON.toString(), "-I", "-B", script));
        return c;
    }

    private static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
        return false;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }

    /** A short description for logs. */
    @Override
    public String toString() {
        return isolated ? "bubblewrap sandbox" : "UNISOLATED runner (limits only)";
    }
}
