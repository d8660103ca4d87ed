package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.SandboxLimits;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The JVM command that runs a single Java source file, sized to the run's limits. */
final class JavaRunner {

    private JavaRunner() {
    }

    static List<String> command(Path java, String sourcePath, SandboxLimits limits) {
        long heap = Math.max(32L << 20, limits.addressSpaceBytes() / 4);
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-Xmx" + (heap >> 20) + "m", "-Xss1m",
                // The JVM reserves address space for these up front; the defaults alone exceed 1 GiB.
                "-XX:ReservedCodeCacheSize=64m", "-XX:CompressedClassSpaceSize=64m", "-XX:MaxMetaspaceSize=128m",
                // Few threads (the process limit counts them), quick start, nothing written to /tmp.
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Djava.io.tmpdir=/tmp", "-Dfile.encoding=UTF-8"));
        command.add(sourcePath);
        return command;
    }
}
