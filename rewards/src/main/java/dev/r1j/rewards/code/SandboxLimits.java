package dev.r1j.rewards.code;

import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits for one sandboxed execution. The kernel enforces the CPU, memory, process and file
 * limits inside the sandbox; the wall-clock time and the output cap are enforced by the caller, which
 * kills the whole run when either is exceeded.
 *
 * @param wallTime          real time after which the run is killed; at least 1 ms
 * @param cpuSeconds        CPU seconds the program may use (RLIMIT_CPU); at least 1
 * @param addressSpaceBytes virtual memory of each process (RLIMIT_AS); at least 64 MiB, since the
 *                          Python interpreter alone maps tens of MiB
 * @param maxProcesses      processes and threads the run may hold at once (RLIMIT_NPROC, counted per
 *                          run); at least 2, the interpreter and the sandbox's init
 * @param maxFileBytes      largest file the program may write (RLIMIT_FSIZE); the private
 *                          {@code /tmp} holds at most four times this; at least 1 MiB
 * @param maxOutputBytes    bytes of stdout and of stderr kept each; a run that writes more to either
 *                          is killed; at least 1 KiB
 */
public record SandboxLimits(Duration wallTime, int cpuSeconds, long addressSpaceBytes, int maxProcesses,
                            long maxFileBytes, int maxOutputBytes) {

    private static final long MIB = 1024L * 1024L;

    public SandboxLimits {
        Objects.requireNonNull(wallTime, "wallTime");
        if (wallTime.toMillis() < 1) {
            throw new IllegalArgumentException("wallTime must be at least 1 ms, was " + wallTime);
        }
        if (cpuSeconds < 1) {
            throw new IllegalArgumentException("cpuSeconds must be at least 1, was " + cpuSeconds);
        }
        if (addressSpaceBytes < 64 * MIB) {
            throw new IllegalArgumentException("addressSpaceBytes must be at least 64 MiB (" + 64 * MIB
                    + "), was " + addressSpaceBytes);
        }
        if (maxProcesses < 2) {
            throw new IllegalArgumentException("maxProcesses must be at least 2, was " + maxProcesses);
        }
        if (maxFileBytes < MIB) {
            throw new IllegalArgumentException("maxFileBytes must be at least 1 MiB (" + MIB + "), was "
                    + maxFileBytes);
        }
        if (maxOutputBytes < 1024) {
            throw new IllegalArgumentException("maxOutputBytes must be at least 1024, was " + maxOutputBytes);
        }
    }

    /**
     * Limits that suit HumanEval-sized programs: 10 s wall time, 5 CPU seconds, 1 GiB address space,
     * 32 processes, 16 MiB files, 1 MiB of output per stream.
     */
    public static SandboxLimits defaults() {
        return new SandboxLimits(Duration.ofSeconds(10), 5, 1024 * MIB, 32, 16 * MIB, (int) MIB);
    }

    /** A copy with another wall-clock limit. */
    public SandboxLimits withWallTime(Duration value) {
        return new SandboxLimits(value, cpuSeconds, addressSpaceBytes, maxProcesses, maxFileBytes, maxOutputBytes);
    }

    /** A copy with another CPU-time limit. */
    public SandboxLimits withCpuSeconds(int value) {
        return new SandboxLimits(wallTime, value, addressSpaceBytes, maxProcesses, maxFileBytes, maxOutputBytes);
    }

    /** A copy with another address-space limit. */
    public SandboxLimits withAddressSpaceBytes(long value) {
        return new SandboxLimits(wallTime, cpuSeconds, value, maxProcesses, maxFileBytes, maxOutputBytes);
    }

    /** A copy with another process limit. */
    public SandboxLimits withMaxProcesses(int value) {
        return new SandboxLimits(wallTime, cpuSeconds, addressSpaceBytes, value, maxFileBytes, maxOutputBytes);
    }

    /** A copy with another file-size limit. */
    public SandboxLimits withMaxFileBytes(long value) {
        return new SandboxLimits(wallTime, cpuSeconds, addressSpaceBytes, maxProcesses, value, maxOutputBytes);
    }

    /** A copy with another output cap. */
    public SandboxLimits withMaxOutputBytes(int value) {
        return new SandboxLimits(wallTime, cpuSeconds, addressSpaceBytes, maxProcesses, maxFileBytes, value);
    }
}
