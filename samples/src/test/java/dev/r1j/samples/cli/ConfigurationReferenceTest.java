package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.r1j.rl.train.SupervisedConfig;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md against the code: every documented record lists exactly its components, under
 * the snake_case names Jackson reads and writes, with their types and the defaults their builders use;
 * every documented config-file section lists exactly the settings the command accepts.
 */
class ConfigurationReferenceTest {

    private static final Pattern MARKER = Pattern.compile("<!-- (record|section): (\\S+) -->");
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /** A table row: the cells between the outer bars, trimmed. */
    private record Row(List<String> cells) {
        String cell(int i) {
            return cells.get(i);
        }

        /** The text of a cell written as {@code `text`}. */
        String code(int i) {
            Matcher m = Pattern.compile("^`([^`]*)`$").matcher(cell(i));
            if (!m.matches()) {
                fail("expected a `code` cell, was '" + cell(i) + "' in " + cells);
            }
            return m.group(1);
        }
    }

    static Path doc() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/configuration.md"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "docs/configuration.md not found above " + Path.of("").toAbsolutePath());
        return dir.resolve("docs/configuration.md");
    }

    /** The tables of the document by marker ("record:CLASS", "section:NAME"), header rows dropped. */
    static Map<String, List<Row>> tables(List<String> lines) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = MARKER.matcher(lines.get(i));
            if (!m.find()) {
                continue;
            }
            List<Row> rows = new ArrayList<>();
            int j = i + 3; // the marker, the header row, the separator row
            for (; j < lines.size() && lines.get(j).startsWith("|"); j++) {
                String line = lines.get(j).strip();
                List<String> cells = new ArrayList<>();
                for (String c : line.substring(1, line.length() - 1).split("\\|", -1)) {
                    cells.add(c.strip());
                }
                rows.add(new Row(cells));
            }
            assertFalse(rows.isEmpty(), "no table after " + lines.get(i));
            out.put(m.group(1) + ":" + m.group(2), rows);
        }
        return out;
    }

    @Test
    void everyDocumentedRecordMatchesItsComponentsNamesTypesAndDefaults() throws Exception {
        Map<String, List<Row>> tables = tables(Files.readAllLines(doc()));
        List<String> problems = new ArrayList<>();
        int records = 0;
        for (Map.Entry<String, List<Row>> t : tables.entrySet()) {
            if (!t.getKey().startsWith("record:")) {
                continue;
            }
            records++;
            Class<?> type = Class.forName(t.getKey().substring("record:".length()));
            problems.addAll(check(type, t.getValue()));
        }
        assertTrue(records >= 4, "the records are documented: " + tables.keySet());
        for (String required : List.of("dev.r1j.rl.grpo.GrpoConfig", "dev.r1j.rl.train.SupervisedConfig",
                "dev.r1j.rl.generate.SamplingParams")) {
            assertTrue(tables.containsKey("record:" + required), required + " is documented");
        }
        assertTrue(problems.isEmpty(), "docs/configuration.md disagrees with the code:\n  " + String.join("\n  ", problems));
    }

    /** What is wrong with the documentation of {@code type}. */
    static List<String> check(Class<?> type, List<Row> rows) throws Exception {
        List<String> problems = new ArrayList<>();
        String name = type.getSimpleName();
        Map<String, RecordComponent> components = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            components.put(c.getName(), c);
        }
        Map<String, Row> documented = new LinkedHashMap<>();
        for (Row r : rows) {
            documented.put(r.code(1), r);
        }
        for (String c : components.keySet()) {
            if (!documented.containsKey(c)) {
                problems.add(name + "." + c + " is not documented");
            }
        }
        for (String d : documented.keySet()) {
            if (!components.containsKey(d)) {
                problems.add(name + " has no field " + d + " (documented as " + documented.get(d).cell(0) + ")");
            }
        }
        Object defaults = defaults(type);
        Set<String> jacksonNames = new TreeSet<>();
        if (defaults != null) {
            for (Iterator<String> it = GrpoCommand.SNAKE.valueToTree(defaults).fieldNames(); it.hasNext(); ) {
                jacksonNames.add(it.next());
            }
        }
        for (Map.Entry<String, Row> e : documented.entrySet()) {
            RecordComponent c = components.get(e.getKey());
            if (c == null) {
                continue;
            }
            Row r = e.getValue();
            String snake = SNAKE.translate(c.getName());
            if (!r.code(0).equals(snake)) {
                problems.add(name + "." + c.getName() + " is written " + snake + ", documented as " + r.cell(0));
            }
            if (defaults != null && !jacksonNames.contains(r.code(0))) {
                problems.add(name + ": Jackson has no property " + r.code(0) + " (it has " + jacksonNames + ")");
            }
            if (!r.cell(2).equals(c.getType().getSimpleName())) {
                problems.add(name + "." + c.getName() + " is a " + c.getType().getSimpleName() + ", documented as " + r.cell(2));
            }
            String problem = defaultProblem(type, c, r.cell(3), defaults);
            if (problem != null) {
                problems.add(name + "." + c.getName() + ": " + problem);
            }
        }
        return problems;
    }

    /** The instance {@code type.builder().build()} makes, or null when the record has no builder. */
    private static Object defaults(Class<?> type) throws Exception {
        Method builder;
        try {
            builder = type.getMethod("builder");
        } catch (NoSuchMethodException e) {
            return null;
        }
        Object b = builder.invoke(null);
        return b.getClass().getMethod("build").invoke(b);
    }

    /**
     * Why the documented default {@code cell} is not the builder's, or null when it is. A default is a
     * literal in backticks, {@code = `other_field`}, {@code `other_field` / N}, "available processors",
     * {@code `A` with `X`, `B` with `Y`} (following another field's value), or "required" for a record
     * without a builder.
     */
    static String defaultProblem(Class<?> type, RecordComponent c, String cell, Object defaults) throws Exception {
        if (defaults == null) {
            return cell.equals("required") ? null : "has no builder, so its default must read 'required', was '" + cell + "'";
        }
        Object actual = c.getAccessor().invoke(defaults);
        Matcher literal = Pattern.compile("^`([^`]*)`$").matcher(cell);
        Matcher same = Pattern.compile("^= `(\\w+)`$").matcher(cell);
        Matcher divided = Pattern.compile("^`(\\w+)` / (\\d+)$").matcher(cell);
        Object expected;
        if (literal.matches()) {
            String v = literal.group(1);
            Class<?> t = c.getType();
            if (t == int.class || t == long.class) {
                return Long.parseLong(v) == ((Number) actual).longValue() ? null : "default is " + actual + ", documented " + v;
            }
            if (t == double.class) {
                return Double.parseDouble(v) == (Double) actual ? null : "default is " + actual + ", documented " + v;
            }
            if (t.isEnum()) {
                return ((Enum<?>) actual).name().equals(v) ? null : "default is " + actual + ", documented " + v;
            }
            return String.valueOf(actual).equals(v) ? null : "default is " + actual + ", documented " + v;
        } else if (same.matches()) {
            expected = component(type, same.group(1), defaults);
        } else if (divided.matches()) {
            expected = ((Number) component(type, divided.group(1), defaults)).doubleValue() / Integer.parseInt(divided.group(2));
        } else if (cell.equals("available processors")) {
            expected = Runtime.getRuntime().availableProcessors();
        } else if (cell.matches("^`\\w+` with `\\w+`(, `\\w+` with `\\w+`)+$")) {
            // A default that follows another setting: "`A` with `X`, `B` with `Y`"; the pair whose
            // condition is the value another field of the defaults has applies.
            Matcher pair = Pattern.compile("`(\\w+)` with `(\\w+)`").matcher(cell);
            expected = null;
            while (pair.find()) {
                for (RecordComponent other : type.getRecordComponents()) {
                    Object v = other.getAccessor().invoke(defaults);
                    if (other != c && v instanceof Enum<?> e && e.name().equals(pair.group(2))) {
                        expected = pair.group(1);
                    }
                }
            }
            if (expected == null) {
                return "no condition of '" + cell + "' is the value of another field's default";
            }
            return ((Enum<?>) actual).name().equals(expected) ? null : "default is " + actual + ", documented " + cell;
        } else {
            return "unreadable default '" + cell + "'";
        }
        return String.valueOf(expected).equals(String.valueOf(actual)) ? null
                : "default is " + actual + ", documented " + cell + " (" + expected + ")";
    }

    /** The value of the field whose snake_case name is {@code snake} in {@code defaults}. */
    private static Object component(Class<?> type, String snake, Object defaults) throws Exception {
        for (RecordComponent c : type.getRecordComponents()) {
            if (SNAKE.translate(c.getName()).equals(snake)) {
                return c.getAccessor().invoke(defaults);
            }
        }
        throw new AssertionError(type.getSimpleName() + " has no field " + snake);
    }

    @Test
    void everyDocumentedConfigFileSectionListsWhatTheCommandAccepts() throws Exception {
        Map<String, List<Row>> tables = tables(Files.readAllLines(doc()));
        Map<String, Set<String>> accepted = Map.of(
                "section:grpo", GrpoCommand.TOP_FIELDS,
                "section:grpo.reward", GrpoCommand.REWARD_FIELDS,
                "section:grpo.prompt", PromptSettings.FIELDS,
                "section:pretrain", PretrainCommand.TOP_FIELDS,
                "section:pretrain.model", PretrainCommand.MODEL_FIELDS,
                "section:pretrain.corpus", PretrainCommand.CORPUS_FIELDS);
        for (Map.Entry<String, Set<String>> e : accepted.entrySet()) {
            List<Row> rows = tables.get(e.getKey());
            assertTrue(rows != null, e.getKey() + " is documented");
            Set<String> documented = new TreeSet<>();
            rows.forEach(r -> documented.add(r.code(0)));
            assertEquals(new TreeSet<>(e.getValue()), documented, e.getKey());
        }
        // r1j grpo with no config file: the reward section's documented defaults and GrpoConfig's builder defaults.
        GrpoCommand.RunSettings none = GrpoCommand.read(null);
        Map<String, Object> rewardDefaults = Map.of("format_weight", none.formatWeight(), "overlong_buffer", none.overlongBuffer());
        for (Row r : tables.get("section:grpo.reward")) {
            assertEquals(r.code(2), String.valueOf(rewardDefaults.get(r.code(0))), "default of reward." + r.code(0));
        }
        assertEquals(dev.r1j.rl.grpo.GrpoConfig.builder().build(), none.grpo(), "r1j grpo starts from the builder's defaults");
        // The training section of pretrain, sft and distill is SupervisedConfig, with the builder's defaults.
        Set<String> training = new TreeSet<>();
        tables.get("record:dev.r1j.rl.train.SupervisedConfig").forEach(r -> training.add(r.code(0)));
        assertEquals(new TreeSet<>(PretrainCommand.TRAINING_FIELDS), training, "training section");
        assertEquals(SupervisedConfig.builder().build(), PretrainCommand.trainingSection(ConfigFile.empty(), null),
                "the command line reads a training section with the builder's defaults");
    }
}
