package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.Language;
import dev.r1j.rewards.code.Sandbox;
import dev.r1j.rewards.code.SandboxLimits;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs programs directly on the host, as the JVM's user, under the same rlimits and timeout but with
 * no isolation: the program can read and write files, use the network, and (as root) fork without
 * bound, and a process that leaves its parent's tree can outlive the run. For trusted programs only.
 */
final class UnsandboxedRunner implements Sandbox {

    private final Path prlimit;
    private final Path python;

    UnsandboxedRunner(Path prlimit, Path python) {
        this.prlimit = prlimit;
        this.python = python;
    }

    @Override
    public boolean isolated() {
        return false;
    }

    @Override
    public String description() {
        return "UNSANDBOXED " + python + (prlimit == null ? " without rlimits" : " under prlimit");
    }

    @Override
    public Result run(Language language, String program, String stdin, SandboxLimits limits) {
        byte[] source = program.getBytes(StandardCharsets.UTF_8);
        Path javaLauncher = Path.of(System.getProperty("java.home"), "bin", "java");
        Path workDir;
        try {
            workDir = Files.createTempDirectory("r1j-unsandboxed-");
        } catch (IOException e) {
            return new Result(127, "", "cannot create a working directory: " + e.getMessage(), false, false,
                    false, "", java.time.Duration.ZERO);
        }
        try {
            List<String> command = new ArrayList<>();
            if (prlimit != null) {
                command.addAll(BubblewrapSandbox.limitsCommand(prlimit, limits));
            }
            if (language == Language.JAVA) {
                String file = workDir.resolve("Main.java").toString();
                command.addAll(PythonLauncher.arguments(python.toString(), source, file,
                        JavaRunner.command(javaLauncher, file, limits)));
            } else {
                command.addAll(PythonLauncher.arguments(python.toString(), source, workDir.resolve("main.py").toString()));
            }
            return ProcessRunner.execute(command,
                    Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", workDir.toString(), "LANG", "C.UTF-8"),
                    PythonLauncher.stdin(source, stdin), limits);
        } finally {
            deleteQuietly(workDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException leftOver) {
            // A program may have made its directory undeletable; leaving a temp dir is harmless.
        }
    }
}
