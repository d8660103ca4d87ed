package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Why {@link Precision#BF16} is refused: a bfloat16 array kills the JVM on this engine. Checked in a
 * forked JVM so this one survives; when a DJL upgrade makes the cast work, this test fails and the
 * refusal in {@link Precision#unsupportedReason()} can be lifted.
 */
class Bf16ProbeTest {

    @Test
    void aBfloat16ArrayStillKillsTheJvmOnThisEngine() throws Exception {
        // Both ways in: a cast of a float32 array, and bfloat16 bytes handed to the engine directly.
        for (String route : new String[] {"cast", "buffer"}) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Dai.djl.offline=true", "-cp",
                    System.getProperty("java.class.path"), Bf16Probe.class.getName(), route)).redirectErrorStream(true);
            pb.environment().put("OPT_OUT_TRACKING", "true");
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not finish");
            assertTrue(output.contains("casting to bfloat16"), "the probe reached the engine: " + output);
            assertNotEquals(0, p.exitValue(), route + ": bfloat16 works on this engine now (lift the BF16 refusal): " + output);
            assertFalse(output.contains("bf16 round trip"), output);
        }
    }
}
