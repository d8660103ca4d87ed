package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r1j eval} with the mode openings of a self-checking corpus, and its check-rate. */
class EvalCommandTest {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void writeModel() {
        model = CliRun.tinyModel(tmp.resolve("model"));
    }

    @Test
    void theCheckingOpeningIsAcceptedAndTheCheckRateReported() throws Exception {
        CliRun json = CliRun.of("eval", "--model", model.toString(), "--task", "mul2x2", "--n", "2", "--k", "2",
                "--max-new-tokens", "4", "--seed", "1", "--opening", "THINK_CHECK", "--json");
        assertEquals(0, json.exit(), json.err());
        JsonNode r = new ObjectMapper().readTree(json.out());
        assertEquals("think_check", r.get("opening").asText());
        assertTrue(r.has("check_rate") && r.get("check_rate_ci95").size() == 2, json.out());
        assertTrue(r.get("check_rate").asDouble() <= r.get("think_rate").asDouble(), "only a completion that thinks checks");
        CliRun text = CliRun.of("eval", "--model", model.toString(), "--task", "mul2x2", "--n", "2", "--k", "1",
                "--max-new-tokens", "4", "--opening", "THINK_SOLVE");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("opening forced to <think>solve\\n\n"), "the forced text on one line: " + text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("check-rate ")), text.out());
    }

    @Test
    void anUnknownOpeningNamesTheChoices() {
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--task", "mul2x2", "--opening", "CHECK");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("THINK_CHECK") && r.err().contains("THINK_SOLVE"), r.err());
    }
}
