package dev.r1j.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A run's {@code metrics.jsonl} read back as columns: one row a line, NaN where a line lacks the field. */
public final class MetricsTable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> rows;

    private MetricsTable(List<JsonNode> rows) {
        this.rows = rows;
    }

    /**
     * Reads {@code file}; a line that is not a JSON object is an error naming the file and line.
     */
    public static MetricsTable read(Path file) {
        List<JsonNode> rows = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw BadInputException.at(file, n, null, "not JSON: " + e.getMessage());
                }
                if (node == null || !node.isObject()) {
                    throw BadInputException.at(file, n, null, "must be a JSON object");
                }
                rows.add(node);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new MetricsTable(rows);
    }

    /** Number of rows. */
    public int size() {
        return rows.size();
    }

    /** The numeric field {@code name} of every row; NaN where absent or not a number. */
    public double[] column(String name) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = rows.get(i).get(name);
            out[i] = v != null && v.isNumber() ? v.asDouble() : Double.NaN;
        }
        return out;
    }
}
