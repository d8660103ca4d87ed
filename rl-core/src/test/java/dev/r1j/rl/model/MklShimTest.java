package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MKL shim changes which kernels MKL runs, not what it computes: a product and a model's logits
 * agree with and without it, whether it is preloaded (as the launcher does) or loaded by the JVM
 * before the engine (R1J_MKL_SHIM_LIB). Each variant runs {@link MklShimProbe} in a JVM of its own,
 * as the shim must be in place before the engine loads. Skipped where no C compiler is installed.
 */
class MklShimTest {

    @TempDir
    static Path tmp;

    static Path shim;

    @BeforeAll
    static void buildShim() throws Exception {
        Path source = Path.of("..", "native", "mkl_cpu_shim.c").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(source), "the shim's source should be at " + source);
        shim = tmp.resolve("libr1j_mkl_shim.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-o", shim.toString(), source.toString(), "-ldl")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no C compiler (gcc) on this machine, so the MKL shim cannot be built: " + e.getMessage());
            return;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), "gcc failed on " + source + ":\n" + log);
    }

    @Test
    void preloadedAndJvmLoadedShimsKeepProductsAndLogitsWithinTolerance() throws Exception {
        float[] plain = probe("plain", Map.of("R1J_MKL_SHIM", "0"));
        float[] preloaded = probe("preloaded", Map.of("LD_PRELOAD", shim.toString(), "R1J_MKL_SHIM_TRACE", "1"));
        float[] loaded = probe("loaded", Map.of("R1J_MKL_SHIM_LIB", shim.toString(), "R1J_MKL_SHIM", "1",
                "R1J_MKL_SHIM_TRACE", "1"));
        assertClose(plain, preloaded, "LD_PRELOAD");
        assertClose(plain, loaded, "R1J_MKL_SHIM_LIB");
    }

    /** Runs the probe with {@code env} added (and any inherited shim settings removed); returns its floats. */
    private static float[] probe(String name, Map<String, String> env) throws Exception {
        Path out = tmp.resolve(name + ".bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                MklShimProbe.class.getName(), out.toString()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.equals("LD_PRELOAD") || k.startsWith("R1J_MKL_SHIM"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name + " probe did not finish");
        assertEquals(0, p.exitValue(), name + " probe failed:\n" + log);
        if (env.containsKey("R1J_MKL_SHIM_LIB")) {
            assertTrue(log.contains("shim: LOADED"), "the JVM should load the shim before the engine:\n" + log);
        }
        // Where the shim matters (AVX-512, not Intel), MKL must have asked the shim, not its own check:
        // otherwise the library is loaded but does not interpose, and nothing gets faster.
        if (env.containsKey("R1J_MKL_SHIM_TRACE") && MklShim.benefits()) {
            assertTrue(log.contains("r1j-mkl-shim: mkl_serv_intel_cpu_true answered 1"),
                    name + ": MKL did not call the shim's mkl_serv_intel_cpu_true:\n" + log);
        }
        byte[] bytes = Files.readAllBytes(out);
        float[] v = new float[bytes.length / 4];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            for (int i = 0; i < v.length; i++) {
                v[i] = in.readFloat();
            }
        }
        return v;
    }

    /** Kernels of another instruction set sum in another order: equal to fp32 rounding, not bit for bit. */
    private static void assertClose(float[] expected, float[] actual, String how) {
        assertEquals(expected.length, actual.length, how + ": output sizes differ");
        assertTrue(expected.length > 0, "the probe wrote nothing");
        for (int i = 0; i < expected.length; i++) {
            float tolerance = 1e-4f * Math.max(1f, Math.abs(expected[i])) * 8;
            assertEquals(expected[i], actual[i], tolerance, how + ": value " + i + " moved beyond fp32 rounding");
        }
    }
}
