package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.r1j.distill.nightly.NightlyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/nightly.md's settings table against the code: it lists exactly the fields a nightly config file
 * accepts, and every default it states is the one a file that gives only the required fields gets.
 */
class NightlyReferenceTest {

    /** Each documented field whose default is a value, and where the loaded config holds it. */
    private static final Map<String, Function<NightlyConfig, Object>> VALUES = Map.ofEntries(
            Map.entry("task", NightlyConfig::task),
            Map.entry("traces.problems", NightlyConfig::traceProblems),
            Map.entry("traces.samples_per_problem", NightlyConfig::samplesPerProblem),
            Map.entry("traces.selection", NightlyConfig::selection),
            Map.entry("traces.cap_per_problem", NightlyConfig::capPerProblem),
            Map.entry("traces.temperature", NightlyConfig::traceTemperature),
            Map.entry("traces.max_new_tokens", NightlyConfig::traceMaxNewTokens),
            Map.entry("eval.problems", NightlyConfig::evalProblems),
            Map.entry("eval.k", NightlyConfig::evalK),
            Map.entry("eval.seed", NightlyConfig::evalSeed),
            Map.entry("eval.temperature", NightlyConfig::evalTemperature),
            Map.entry("eval.max_new_tokens", NightlyConfig::evalMaxNewTokens),
            Map.entry("gate.min_improvement", NightlyConfig::minImprovement),
            Map.entry("gate.bootstrap_resamples", NightlyConfig::bootstrapResamples),
            Map.entry("publish_dir", NightlyConfig::publishDir));

    /** The settings table: field name to its default cell. */
    private static Map<String, String> table() throws Exception {
        Path doc = ConfigurationReferenceTest.doc().resolveSibling("nightly.md");
        Map<String, String> rows = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("| field | default | rule |")) {
                inTable = true;
                continue;
            }
            if (inTable && line.startsWith("|---")) {
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            if (inTable) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                rows.put(cells[0].strip().replace("`", ""), cells[1].strip());
            }
        }
        assertTrue(!rows.isEmpty(), "docs/nightly.md has its settings table");
        return rows;
    }

    @Test
    void theTableListsExactlyTheFieldsAConfigFileAccepts() throws Exception {
        Set<String> accepted = new TreeSet<>();
        for (String top : NightlyConfigFile.TOP) {
            if (!Set.of("traces", "sft", "eval", "gate").contains(top)) {
                accepted.add(top);
            }
        }
        NightlyConfigFile.TRACES.forEach(f -> accepted.add("traces." + f));
        NightlyConfigFile.EVAL.forEach(f -> accepted.add("eval." + f));
        NightlyConfigFile.GATE.forEach(f -> accepted.add("gate." + f));
        accepted.add("sft.*");
        assertEquals(accepted, new TreeSet<>(table().keySet()));
    }

    @Test
    void everyStatedDefaultIsTheOneAMinimalFileGets(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("night.yaml");
        Files.writeString(file, "teacher: builtin:arith-teacher-rl\nstudent_base: builtin:arith-student-base\n");
        NightlyConfig c = NightlyConfigFile.read(file);
        Map<String, String> table = table();
        List<String> wrong = new ArrayList<>();
        VALUES.forEach((field, value) -> {
            String documented = table.get(field).replace("`", "");
            Object actual = value.apply(c);
            boolean same = actual instanceof Number n ? n.doubleValue() == Double.parseDouble(documented)
                    : String.valueOf(actual).equals(documented);
            if (!same) {
                wrong.add(field + ": documented " + documented + ", the code's default is " + actual);
            }
        });
        // sft.*: "name value, name value, ..." against the SFT settings a minimal file gets.
        JsonNode sft = GrpoCommand.SNAKE.valueToTree(c.sft());
        for (String pair : table.get("sft.*").split(",")) {
            String[] nv = pair.strip().split(" ");
            JsonNode actual = sft.get(nv[0]);
            boolean same = actual != null && (actual.isBoolean() ? actual.asText().equals(nv[1])
                    : actual.asDouble() == Double.parseDouble(nv[1]));
            if (!same) {
                wrong.add("sft." + nv[0] + ": documented " + nv[1] + ", the code's default is " + actual);
            }
        }
        assertTrue(table.get("traces.seed").contains("YYYYMMDD") && c.traceSeed() == null,
                "the trace seed is derived from the night unless given");
        assertTrue(wrong.isEmpty(), "docs/nightly.md disagrees with the code:\n  " + String.join("\n  ", wrong));
    }
}
