package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.r1j.rl.optim.AdamW;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of the run skeleton that need no model; resume, update and checkpoint are the trainers' tests. */
class TrainingRunTest {

    @Test
    void aMetricsLineKeepsOrderWholeNumbersAndWritesNonFiniteAsNull() {
        Map<String, Number> figures = new LinkedHashMap<>();
        figures.put("loss", 0.25);
        figures.put("tokens", 1024L);
        figures.put("kl", Double.NaN);
        figures.put("lr", 1e-3);
        figures.put("grad_norm", Double.POSITIVE_INFINITY);
        figures.put("rounds", 2);
        figures.put("absent", null);
        assertEquals("{\"step\":7,\"loss\":0.25,\"tokens\":1024,\"kl\":null,\"lr\":0.001,\"grad_norm\":null,\"rounds\":2,"
                + "\"absent\":null}", TrainingRun.metricsLine(7, figures));
        // A whole number held as a double stays a double, as GRPO's figures always were.
        assertEquals("{\"step\":1,\"sampling_rounds\":1.0}", TrainingRun.metricsLine(1, Map.of("sampling_rounds", 1.0)));
    }

    @Test
    void settingsRefuseWhatNoRunCanKeep() {
        AdamW.Settings adam = new AdamW.Settings(0.9, 0.95, 1e-8, 0);
        assertThrows(IllegalArgumentException.class, () -> new TrainingRun.Settings(Path.of("r"), -1, 0, 1, 0, adam, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrainingRun.Settings(Path.of("r"), 1, -1, 1, 0, adam, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new TrainingRun.Settings(Path.of("r"), 1, 0, 0, 0, adam, List.of()));
        assertThrows(NullPointerException.class, () -> new TrainingRun.Settings(null, 1, 0, 1, 0, adam, List.of()));
        assertEquals(List.of("metrics.jsonl"),
                new TrainingRun.Settings(Path.of("r"), 1, 0, 1, 0, adam, List.of(TrainingRun.METRICS)).logs());
    }
}
