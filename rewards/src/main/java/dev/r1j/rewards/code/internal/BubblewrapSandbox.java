package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.Language;
import dev.r1j.rewards.code.Sandbox;
import dev.r1j.rewards.code.SandboxLimits;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs programs inside bubblewrap.
 *
 * <p>Why each part is there:
 * <ul>
 *   <li>All namespaces are unshared: no network (only a loopback of its own), its own PID namespace
 *       whose init takes every process of the run down when it exits or when bubblewrap is killed
 *       ({@code --die-with-parent}), no shared IPC, host name or cgroup view.</li>
 *   <li>The file system is a fresh tmpfs with only {@code /usr} bound read-only (plus the merged-usr
 *       links and the loader cache): home directories, the host's {@code /tmp}, {@code /work} and
 *       the rest of {@code /etc} simply do not exist inside. {@code /tmp} and {@code /dev/shm} are
 *       private and size-limited.</li>
 *   <li>Run as root, bubblewrap's {@code --uid} maps the sandbox user to host root, and the kernel
 *       does not apply RLIMIT_NPROC to host root: a fork bomb would be unbounded. So bubblewrap is
 *       started as the unprivileged host user {@code nobody} (via {@code setpriv}); it then builds the
 *       user namespace itself, the program holds no capability in the host's namespace, and its
 *       process count is kept per run (per user namespace), so parallel runs do not share one
 *       budget. Nested user namespaces are disabled.</li>
 *   <li>Where unprivileged user namespaces are not allowed, a JVM running as root can still use
 *       {@link Mode#ROOT_DROPS_TO_RUN_UID}: bubblewrap runs privileged without a user namespace,
 *       keeps only the capabilities needed to change user, and {@code setpriv} inside the sandbox
 *       switches to a host uid reserved for this run (so the process limit, which the kernel then
 *       counts per host uid, is still per run), clears every capability and the bounding set, and
 *       sets no-new-privileges.</li>
 *   <li>{@code --new-session} stops the program from pushing input into a controlling terminal;
 *       {@code --clearenv} keeps the JVM's environment (tokens, paths) out.</li>
 *   <li>The rlimits are set by {@code prlimit} inside the sandbox, on the program only.</li>
 * </ul>
 */
final class BubblewrapSandbox implements Sandbox {

    /** How the program ends up unprivileged. */
    enum Mode {
        /** bubblewrap started as {@code nobody} builds a user namespace (preferred). */
        USER_NAMESPACE,
        /** bubblewrap runs as root without a user namespace; the program drops to a per-run uid. */
        ROOT_DROPS_TO_RUN_UID
    }

    static final int NOBODY = 65534;
    private static final int OPEN_FILES = 256;
    private static final String PYTHON_PATH = "/tmp/main.py";
    private static final String JAVA_PATH = "/tmp/Main.java";

    private final Path bwrap;
    private final Path setpriv;
    private final Path prlimit;
    private final Path python;
    private final Mode mode;
    private final Path java;

    /** {@code setpriv} may be null in {@link Mode#USER_NAMESPACE} when the JVM does not run as root. */
    BubblewrapSandbox(Mode mode, Path bwrap, Path setpriv, Path prlimit, Path python) {
        this.mode = mode;
        this.bwrap = bwrap;
        this.setpriv = setpriv;
        this.prlimit = prlimit;
        this.python = python;
        this.java = HostTools.sandboxJava().orElse(null);
    }

    @Override
    public boolean isolated() {
        return true;
    }

    @Override
    public String description() {
        return "bubblewrap (" + bwrap + ") running " + python + (java == null ? "" : " and " + java) + (mode == Mode.USER_NAMESPACE
                ? " as uid " + NOBODY + " in a user namespace" : " as a per-run uid (privileged bubblewrap)");
    }

    @Override
    public Result run(Language language, String program, String stdin, SandboxLimits limits) {
        if (language == Language.JAVA && java == null) {
            return new Result(127, "", "cannot start java: no JDK under /usr (install openjdk-17-jdk-headless)",
                    false, false, false, "", Duration.ZERO);
        }
        if (mode == Mode.USER_NAMESPACE) {
            return run(language, program, stdin, limits, -1);
        }
        int uid = RunUids.acquire();
        try {
            return run(language, program, stdin, limits, uid);
        } finally {
            RunUids.release(uid);
        }
    }

    private Result run(Language language, String program, String stdin, SandboxLimits limits, int runUid) {
        byte[] source = program.getBytes(StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        if (mode == Mode.USER_NAMESPACE && setpriv != null) {
            command.addAll(List.of(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY,
                    "--clear-groups", "--"));
        }
        command.add(bwrap.toString());
        if (mode == Mode.USER_NAMESPACE) {
            command.addAll(List.of("--unshare-all", "--unshare-user", "--disable-userns",
                    "--uid", Integer.toString(NOBODY), "--gid", Integer.toString(NOBODY)));
        } else {
            command.addAll(List.of("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                    "--unshare-cgroup-try",
                    "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"));
        }
        command.addAll(List.of("--die-with-parent", "--new-session", "--clearenv",
                "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                "--setenv", "HOME", "/tmp",
                "--setenv", "LANG", "C.UTF-8",
                "--ro-bind", "/usr", "/usr"));
        for (String top : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) {
            addTopLevel(command, top);
        }
        Set<Path> made = new HashSet<>();
        if (language == Language.JAVA) {
            for (Path dir : HostTools.javaConfigDirs(java)) {
                bindReadOnly(command, dir, made);
            }
        }
        bindReadOnly(command, Path.of("/etc/ld.so.cache"), made);
        command.addAll(List.of("--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", Long.toString(tmpBytes(limits)), "--tmpfs", "/dev/shm",
                "--perms", "1777", "--size", Long.toString(tmpBytes(limits)), "--tmpfs", "/tmp",
                "--chdir", "/tmp", "--"));
        if (mode == Mode.ROOT_DROPS_TO_RUN_UID) {
            command.addAll(List.of(setpriv.toString(), "--reuid=" + runUid, "--regid=" + runUid, "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"));
        }
        command.addAll(limitsCommand(prlimit, limits));
        if (language == Language.JAVA) {
            command.addAll(PythonLauncher.arguments(python.toString(), source, JAVA_PATH,
                    JavaRunner.command(java, JAVA_PATH, limits)));
        } else {
            command.addAll(PythonLauncher.arguments(python.toString(), source, PYTHON_PATH));
        }
        return ProcessRunner.execute(command, Map.of("PATH", "/usr/bin:/bin"),
                PythonLauncher.stdin(source, stdin), limits);
    }

    /**
     * A read-only bind of {@code path} if it exists. Its parent directories are made first with mode
     * 0755: privileged bubblewrap would create them 0700, unreadable to the unprivileged program.
     */
    private static void bindReadOnly(List<String> command, Path path, Set<Path> made) {
        for (int i = 1; i < path.getNameCount(); i++) {
            Path parent = path.getRoot().resolve(path.subpath(0, i));
            if (made.add(parent)) {
                command.addAll(List.of("--perms", "0755", "--dir", parent.toString()));
            }
        }
        command.addAll(List.of("--ro-bind-try", path.toString(), path.toString()));
    }

    /** Merged-usr systems have {@code /lib -> usr/lib}: recreate the link; older ones get a read-only bind. */
    private static void addTopLevel(List<String> command, String name) {
        Path host = Path.of("/", name);
        try {
            if (Files.isSymbolicLink(host)) {
                command.addAll(List.of("--symlink", Files.readSymbolicLink(host).toString(), host.toString()));
            } else if (Files.isDirectory(host)) {
                command.addAll(List.of("--ro-bind", host.toString(), host.toString()));
            }
        } catch (java.io.IOException unreadable) {
            // Not there or not readable: the sandbox simply lacks it.
        }
    }

    private static long tmpBytes(SandboxLimits limits) {
        return 4 * limits.maxFileBytes();
    }

    /** {@code prlimit} with each limit as soft = hard, so the program cannot raise it again. */
    static List<String> limitsCommand(Path prlimit, SandboxLimits limits) {
        return List.of(prlimit.toString(),
                "--cpu=" + limits.cpuSeconds(),
                "--as=" + limits.addressSpaceBytes(),
                "--nproc=" + limits.maxProcesses(),
                "--fsize=" + limits.maxFileBytes(),
                "--nofile=" + OPEN_FILES,
                "--core=0",
                "--");
    }
}
