package dev.r1j.rewards.code;

import java.time.Duration;

/**
 * Resource limits of one sandboxed run.
 *
 * @param wallTime          wall-clock limit, enforced from Java by killing the whole sandbox; default 10 s
 * @param cpuSeconds        CPU seconds ({@code RLIMIT_CPU}); default 5
 * @param addressSpaceBytes virtual memory ({@code RLIMIT_AS}); default 1 GiB
 * @param maxProcesses      processes and threads of the sandbox user ({@code RLIMIT_NPROC}); default 32
 * @param maxFileBytes      largest file the program may write ({@code RLIMIT_FSIZE}); default 16 MiB
 * @param maxOutputBytes    stdout and stderr are each cut at this many bytes; default 1 MiB
 */
public record SandboxLimits(Duration wallTime, int cpuSeconds, long addressSpaceBytes, int maxProcesses,
                            long maxFileBytes, int maxOutputBytes) {

    public SandboxLimits {
        if (wallTime == null || wallTime.isNegative() || wallTime.isZero()) {
            throw new IllegalArgumentException("wall time must be positive, was " + wallTime);
        }
        if (cpuSeconds < 1 || addressSpaceBytes < (64L << 20) || maxProcesses < 1 || maxFileBytes < 0 || maxOutputBytes < 1) {
            throw new IllegalArgumentException("limits must be positive (address space at least 64 MiB): " + cpuSeconds
                    + " s CPU, " + addressSpaceBytes + " bytes, " + maxProcesses + " processes, " + maxFileBytes
                    + " file bytes, " + maxOutputBytes + " output bytes");
        }
    }

    public static SandboxLimits defaults() {
        return new SandboxLimits(Duration.ofSeconds(10), 5, 1L << 30, 32, 16L << 20, 1 << 20);
    }

    public SandboxLimits withWallTime(Duration d) {
        return new SandboxLimits(d, cpuSeconds, addressSpaceBytes, maxProcesses, maxFileBytes, maxOutputBytes);
    }

    public SandboxLimits withCpuSeconds(int s) {
        return new SandboxLimits(wallTime, s, addressSpaceBytes, maxProcesses, maxFileBytes, maxOutputBytes);
    }
}
