package dev.r1j.rewards.code.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Finds the programs the sandbox needs on the host. */
final class HostTools {

    /** Directories whose contents must never be visible in a sandbox, so no tool may live there. */
    private static final List<String> PRIVATE_ROOTS = List.of("/root", "/home", "/tmp", "/var/tmp", "/work", "/run");

    private HostTools() {
    }

    /** The first executable among {@code candidates}, then on PATH, resolved to its real path. */
    static Optional<Path> find(String name, String... candidates) {
        for (String candidate : candidates) {
            Optional<Path> found = executable(Path.of(candidate));
            if (found.isPresent()) {
                return found;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    Optional<Path> found = executable(Path.of(dir, name));
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A Python interpreter usable inside the sandbox: under {@code /usr} (the only host tree the
     * sandbox mounts) and not a wrapper script. A pyenv shim under /root would be invisible there.
     */
    static Optional<Path> sandboxPython() {
        for (String candidate : List.of("/usr/bin/python3", "/usr/local/bin/python3")) {
            Optional<Path> found = executable(Path.of(candidate));
            if (found.isPresent() && found.get().startsWith("/usr/")) {
                return found;
            }
        }
        return find("python3").filter(p -> p.startsWith("/usr/"));
    }

    /** Any Python interpreter, for running without a sandbox. */
    static Optional<Path> anyPython() {
        return find("python3", "/usr/bin/python3", "/usr/local/bin/python3");
    }

    /** The {@code java} launcher of a JDK under {@code /usr}: this JVM's own when it lives there, else one on PATH. */
    static Optional<Path> sandboxJava() {
        Path own = Path.of(System.getProperty("java.home", "/nonexistent"), "bin", "java");
        Optional<Path> found = executable(own).filter(p -> p.startsWith("/usr/"));
        return found.isPresent() ? found : find("java").filter(p -> p.startsWith("/usr/"));
    }

    /**
     * Directories outside {@code /usr} that a JDK's configuration links into (Debian keeps
     * {@code conf/} and {@code lib/security} as links to {@code /etc/java-N-openjdk} and
     * {@code /etc/ssl/certs/java}): the sandbox binds them read-only so the JVM can start.
     */
    static List<Path> javaConfigDirs(Path javaLauncher) {
        Path home = javaLauncher.getParent().getParent();
        Set<Path> dirs = new TreeSet<>();
        for (String sub : List.of("conf", "lib/security")) {
            Path start = home.resolve(sub);
            if (!Files.isDirectory(start)) {
                continue;
            }
            try (Stream<Path> entries = Files.walk(start, 3)) {
                entries.filter(Files::isSymbolicLink).forEach(link -> {
                    try {
                        Path target = link.toRealPath().getParent();
                        if (!target.startsWith("/usr/") && !isPrivate(target) && target.startsWith("/etc/")) {
                            dirs.add(target);
                        }
                    } catch (IOException dangling) {
                        // A dangling link in the JDK: nothing to bind for it.
                    }
                });
            } catch (IOException | RuntimeException unreadable) {
                // An unreadable JDK tree: the JVM will fail in the sandbox and say why.
            }
        }
        return List.copyOf(dirs);
    }

    static boolean isPrivate(Path path) {
        return PRIVATE_ROOTS.stream().anyMatch(root -> path.startsWith(root));
    }

    private static Optional<Path> executable(Path path) {
        try {
            if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                return Optional.of(path.toRealPath());
            }
        } catch (IOException unreadable) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The real user id of this process, from /proc (0 when it cannot be read: assume the worst). */
    static int realUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
        return 0;
    }
}
