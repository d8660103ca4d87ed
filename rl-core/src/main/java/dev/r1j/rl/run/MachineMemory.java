package dev.r1j.rl.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory a run can use on this machine: the kernel's {@code MemTotal} and {@code MemAvailable}
 * (from {@code /proc/meminfo}; -1 where there is none) and the JVM's heap limit.
 *
 * @param totalBytes     physical memory
 * @param availableBytes memory the kernel estimates can be used without swapping, now
 * @param maxHeapBytes   the JVM's maximum heap ({@code -Xmx})
 */
public record MachineMemory(long totalBytes, long availableBytes, long maxHeapBytes) {

    /** This machine and this JVM. */
    public static MachineMemory current() {
        return fromMeminfo(Path.of("/proc/meminfo"), Runtime.getRuntime().maxMemory());
    }

    /** Reads a {@code /proc/meminfo}-format file; fields it lacks (or a missing file) are -1. */
    static MachineMemory fromMeminfo(Path meminfo, long maxHeap) {
        long total = -1;
        long available = -1;
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    total = kilobytes(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kilobytes(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the comparison with the machine is skipped.
        }
        return new MachineMemory(total, available, maxHeap);
    }

    /** This process's resident memory ({@code VmRSS} of {@code /proc/self/status}), -1 where there is none. */
    public static long processResidentBytes() {
        return processStatus("VmRSS:");
    }

    /** This process's peak resident memory so far ({@code VmHWM} of {@code /proc/self/status}), -1 where there is none. */
    public static long processPeakResidentBytes() {
        return processStatus("VmHWM:");
    }

    /** A kB field of {@code /proc/self/status} in bytes, -1 where there is none (not Linux). */
    private static long processStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return kilobytes(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: unknown.
        }
        return -1;
    }

    /** "MemTotal:       24570452 kB" -> bytes. */
    private static long kilobytes(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }
}
