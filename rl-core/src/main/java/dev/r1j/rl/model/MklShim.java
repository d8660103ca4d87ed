package dev.r1j.rl.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads r1j's MKL CPU shim ({@code native/mkl_cpu_shim.c}) into a running JVM, before the PyTorch
 * engine loads. MKL, linked statically into the engine's {@code libtorch_cpu.so}, takes slow code
 * paths on CPUs that are not Intel's; the shim's {@code mkl_serv_intel_cpu_true} answers 1 in MKL's
 * place. A library loaded with {@link System#load} is local to itself, which would leave MKL's own
 * definition in force, so the shim makes itself global as it loads (its constructor re-opens it with
 * {@code RTLD_GLOBAL}); the dynamic linker then resolves libtorch's call to the shim. That only helps
 * while {@code libtorch_cpu.so} is not loaded yet: once MKL has asked, its answer is cached.
 *
 * <p>Environment: {@code R1J_MKL_SHIM_LIB} names the built shim; {@code R1J_MKL_SHIM=0} turns it
 * off, {@code R1J_MKL_SHIM=1} applies it on any CPU (by default only on x86-64 CPUs with AVX-512 that
 * are not Intel's, where MKL's fast path is already taken). The {@code r1j} launcher builds the shim
 * and gives it to the JVM with {@code LD_PRELOAD} instead, which needs none of this.
 */
public final class MklShim {

    /** What {@link #applyFromEnvironment()} did. */
    public enum Outcome {
        /** The shim was loaded and made global before the engine. */
        LOADED,
        /** R1J_MKL_SHIM_LIB is not set, or R1J_MKL_SHIM=0. */
        NOT_REQUESTED,
        /** The CPU is not an x86-64 with AVX-512 from a vendor other than Intel. */
        NOT_NEEDED_ON_THIS_CPU,
        /** The engine's native library was loaded before; loading the shim now would change nothing. */
        ENGINE_ALREADY_LOADED
    }

    private static Outcome outcome;

    private MklShim() {}

    /**
     * Loads the shim named by {@code R1J_MKL_SHIM_LIB} where the environment and the CPU call for it.
     * Idempotent; r1j calls it before it first touches the engine.
     *
     * @throws IllegalArgumentException when R1J_MKL_SHIM_LIB names no file
     */
    public static synchronized Outcome applyFromEnvironment() {
        if (outcome == null) {
            String mode = System.getenv().getOrDefault("R1J_MKL_SHIM", "auto");
            String lib = System.getenv("R1J_MKL_SHIM_LIB");
            if (mode.equals("0") || lib == null || lib.isEmpty()) {
                outcome = Outcome.NOT_REQUESTED;
            } else if (!mode.equals("1") && !benefits()) {
                outcome = Outcome.NOT_NEEDED_ON_THIS_CPU;
            } else {
                outcome = load(Path.of(lib));
            }
        }
        return outcome;
    }

    /**
     * Loads the shim at {@code library} and makes it global, whatever the CPU. Call it before anything
     * touches DJL's PyTorch engine.
     *
     * @return {@link Outcome#LOADED}, or {@link Outcome#ENGINE_ALREADY_LOADED} when it is too late
     * @throws IllegalArgumentException when {@code library} is not a file
     */
    public static Outcome load(Path library) {
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException("the MKL shim library " + library + " does not exist (R1J_MKL_SHIM_LIB); "
                    + "build it with: gcc -shared -fPIC -O2 -o libr1j_mkl_shim.so native/mkl_cpu_shim.c -ldl");
        }
        if (engineLoaded()) {
            return Outcome.ENGINE_ALREADY_LOADED;
        }
        System.load(library.toAbsolutePath().toString());
        return Outcome.LOADED;
    }

    /** Whether this CPU is one on which MKL's vendor check costs speed: x86-64, AVX-512, not Intel. */
    public static boolean benefits() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            return cpuinfo.matches("(?s).*\\bavx512f\\b.*") && !cpuinfo.contains("GenuineIntel");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether libtorch_cpu.so is mapped into this process (Linux; false where /proc is absent). */
    private static boolean engineLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libtorch_cpu.so");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
