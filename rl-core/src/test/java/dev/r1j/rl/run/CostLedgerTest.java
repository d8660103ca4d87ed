package dev.r1j.rl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CostLedgerTest {

    /** FLOPs that take exactly one hour at 989e12 FLOP/s x 0.4: 989e12 * 0.4 * 3600. */
    private static final double ONE_GPU_HOUR_FLOPS = 1.42416e18;

    @TempDir
    Path tmp;

    @Test
    void stagesAccumulateInFirstSeenOrderAndSumToTheTotal() {
        CostLedger ledger = new CostLedger();
        ledger.add("optimisation", 0.5, 10, 4e12);
        ledger.add("generation", 1.5, 100, 2e12);
        ledger.add("optimisation", 1.25, 30, 1e12);
        ledger.add("generation", 2.5, 50, 1e12);
        ledger.add("scoring", 0.25, 0, 0);

        Map<String, CostLedger.Stage> stages = ledger.stages();
        assertEquals(List.of("optimisation", "generation", "scoring"), new ArrayList<>(stages.keySet()));
        assertEquals(new CostLedger.Stage(1.75, 40, 5e12), stages.get("optimisation"));
        assertEquals(new CostLedger.Stage(4.0, 150, 3e12), stages.get("generation"));
        assertEquals(new CostLedger.Stage(0.25, 0, 0), stages.get("scoring"));
        assertEquals(new CostLedger.Stage(6.0, 190, 8e12), ledger.total());
    }

    @Test
    void stagesIsAnImmutableSnapshot() {
        CostLedger ledger = new CostLedger();
        ledger.add("generation", 1, 1, 1);
        Map<String, CostLedger.Stage> before = ledger.stages();
        ledger.add("generation", 1, 1, 1);
        ledger.add("scoring", 1, 1, 1);
        assertEquals(Map.of("generation", new CostLedger.Stage(1, 1, 1)), before);
        assertThrows(UnsupportedOperationException.class, () -> before.put("x", new CostLedger.Stage(0, 0, 0)));
        assertEquals(new CostLedger.Stage(0, 0, 0), new CostLedger().total());
    }

    @Test
    void gpuHoursFollowTheStatedBasis() {
        assertEquals(989e12, CostLedger.PEAK_FLOPS_PER_SECOND);
        assertEquals(0.4, CostLedger.UTILISATION);
        assertEquals(1.0, new CostLedger.Stage(0, 0, ONE_GPU_HOUR_FLOPS).gpuHoursEquivalent(), 1e-12);
        // 3.56040e17 FLOPs = a quarter of 1.42416e18
        assertEquals(0.25, new CostLedger.Stage(7, 7, 3.5604e17).gpuHoursEquivalent(), 1e-12);
        assertEquals(0.0, new CostLedger.Stage(100, 100, 0).gpuHoursEquivalent());
    }

    @Test
    void writtenLedgerCarriesFiguresTotalAndBasis() throws Exception {
        CostLedger ledger = new CostLedger();
        ledger.add("generation", 30, 1000, ONE_GPU_HOUR_FLOPS);
        ledger.add("scoring", 10, 0, ONE_GPU_HOUR_FLOPS);
        Path file = tmp.resolve("ledger.json");
        ledger.write(file);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode gen = root.get("stages").get("generation");
        assertEquals(30.0, gen.get("seconds").asDouble());
        assertEquals(1000L, gen.get("tokens").asLong());
        assertTrue(gen.get("tokens").isIntegralNumber(), "tokens are a whole number");
        assertEquals(ONE_GPU_HOUR_FLOPS, gen.get("flops").asDouble());
        assertEquals(1.0, gen.get("gpu_hours_equivalent").asDouble(), 1e-12);
        assertEquals(40.0, root.get("total").get("seconds").asDouble());
        assertEquals(1000L, root.get("total").get("tokens").asLong());
        assertEquals(2.0, root.get("total").get("gpu_hours_equivalent").asDouble(), 1e-12);
        String basis = root.get("gpu_hour_basis").asText();
        assertTrue(basis.contains("989") && basis.contains("0.40") && basis.contains("3600"), basis);
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("ledger.json"), files.map(p -> p.getFileName().toString()).collect(Collectors.toList()),
                    "no temporary is left beside the ledger");
        }
    }

    @Test
    void writeThenReadGivesEqualStagesAndAResumedRunContinuesTheTotals() {
        CostLedger ledger = new CostLedger();
        ledger.add("generation", 12.125, 4096, 3.3e15);
        ledger.add("scoring", 0.75, 0, 0);
        ledger.add("optimisation", 40.5, 2048, 9.9e15);
        Path file = tmp.resolve("run/ledger.json");
        ledger.write(file);

        CostLedger back = CostLedger.read(file);
        assertEquals(ledger.stages(), back.stages());
        assertEquals(List.of("generation", "scoring", "optimisation"), new ArrayList<>(back.stages().keySet()));
        assertEquals(ledger.total(), back.total());

        back.add("generation", 1, 4, 0.7e15);
        assertEquals(new CostLedger.Stage(13.125, 4100, 4.0e15), back.stages().get("generation"));
    }

    @Test
    void missingFileIsAnEmptyLedger() {
        CostLedger ledger = CostLedger.read(tmp.resolve("absent.json"));
        assertTrue(ledger.stages().isEmpty());
        assertEquals(new CostLedger.Stage(0, 0, 0), ledger.total());
    }

    @Test
    void malformedLedgerNamesTheFileAndField() throws Exception {
        Path file = tmp.resolve("ledger.json");

        Files.writeString(file, "{\"stages\": {\"generation\": {\"seconds\": 1, \"tokens\": \"many\", \"flops\": 2}}}");
        BadInputException e = assertThrows(BadInputException.class, () -> CostLedger.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("stages.generation.tokens"), e.getMessage());

        Files.writeString(file, "{\"stages\": {\"scoring\": {\"seconds\": -1, \"tokens\": 0, \"flops\": 2}}}");
        e = assertThrows(BadInputException.class, () -> CostLedger.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("stages.scoring.seconds"), e.getMessage());

        Files.writeString(file, "{\"total\": {}}");
        e = assertThrows(BadInputException.class, () -> CostLedger.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'stages'"), e.getMessage());

        Files.writeString(file, "{\"stages\": ");
        e = assertThrows(BadInputException.class, () -> CostLedger.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void figuresMustBeFiniteAndNonNegative() {
        CostLedger ledger = new CostLedger();
        assertThrows(IllegalArgumentException.class, () -> ledger.add("generation", -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ledger.add("generation", Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ledger.add("generation", 0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> ledger.add("generation", 0, 0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> ledger.add(" ", 0, 0, 0));
        assertTrue(ledger.stages().isEmpty(), "rejected figures leave no trace");
    }

    @Test
    void concurrentAddsAreAllCounted() throws Exception {
        CostLedger ledger = new CostLedger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String stage = t % 2 == 0 ? "generation" : "scoring";
                jobs.add(pool.submit(() -> {
                    for (int i = 0; i < 5000; i++) {
                        ledger.add(stage, 0.5, 1, 2);
                    }
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(new CostLedger.Stage(10000, 20000, 40000), ledger.total());
        assertEquals(new CostLedger.Stage(5000, 10000, 20000), ledger.stages().get("generation"));
    }
}
