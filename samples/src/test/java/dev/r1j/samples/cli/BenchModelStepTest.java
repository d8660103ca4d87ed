package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.samples.bench.GrpoBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code r1j bench --model DIR}'s section on a tiny model: both configurations run in JVMs of their own
 * and report their peak RSS and phase seconds. Slow: it starts two JVMs that each load the engine.
 */
@Tag("slow")
class BenchModelStepTest {

    @TempDir
    Path tmp;

    @Test
    void bothConfigurationsReportPeakMemoryAndPhases() {
        Path dir = tmp.resolve("base");
        CliRun init = CliRun.of("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "2",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "512");
        assertEquals(0, init.exit(), init.err());
        List<String> progress = new ArrayList<>();
        Map<String, Object> section = new GrpoBench(true, progress::add).checkpointStep(dir);
        assertEquals(4, section.get("prompts_per_step"));
        for (String name : List.of("full_fine_tuning", "lora_rank_16")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) section.get(name);
            assertTrue(!c.containsKey("failed"), name + ": " + c);
            assertTrue((long) c.get("peak_rss_mib") > 50, name + ": " + c);
            double step = (double) c.get("step_seconds");
            assertTrue(step > 0 && (double) c.get("generation_seconds") > 0 && (double) c.get("optimisation_seconds") > 0,
                    name + ": " + c);
            assertTrue((double) c.get("process_seconds") >= step, name + ": " + c);
        }
        assertEquals(2, progress.size(), progress.toString());
        List<String> rows = GrpoBench.tableRows(section);
        assertTrue(rows.stream().anyMatch(r -> r.contains("lora rank 16: peak RSS (MiB)")), rows.toString());
    }
}
