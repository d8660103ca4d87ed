package dev.r1j.rl.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run cost, stage by stage (generation, scoring, optimisation, evaluation, ...): wall-clock
 * seconds, tokens processed and floating-point operations, in the spirit of the cost table in the
 * DeepSeek-V3 report. Wall seconds depend on the machine; FLOPs do not, so each stage also carries a
 * GPU-hour equivalent on a fixed, stated basis ({@link #PEAK_FLOPS_PER_SECOND} at
 * {@link #UTILISATION}) that lets runs on different hardware be compared and priced.
 *
 * <p>Stages keep the order in which they were first seen. The ledger is written to {@code ledger.json}
 * and read back on resume, so totals cover the whole run rather than the last process. All methods
 * are thread-safe: generation and scoring may report from different threads.
 */
public final class CostLedger {

    /**
     * Peak dense BF16 throughput of an H100-class accelerator (SXM, without sparsity), in FLOP/s: the
     * reference device that GPU-hour equivalents are counted on.
     */
    public static final double PEAK_FLOPS_PER_SECOND = 989e12;

    /**
     * Fraction of {@link #PEAK_FLOPS_PER_SECOND} assumed to be achieved (model FLOPs utilisation).
     * 0.4 is typical of well-tuned large-scale training; small-model runs usually achieve less, so
     * the equivalent is a lower bound on what the work would take on the reference device.
     */
    public static final double UTILISATION = 0.4;

    /** The basis of every GPU-hour equivalent, in words; written beside the figures it explains. */
    public static final String GPU_HOUR_BASIS = String.format(java.util.Locale.ROOT,
            "GPU-hour equivalent = FLOPs / (%.0f TFLOP/s peak, H100-class dense BF16, x %.2f utilisation) / 3600 s",
            PEAK_FLOPS_PER_SECOND / 1e12, UTILISATION);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The cost of one stage (or of the whole run).
     *
     * @param seconds wall-clock seconds
     * @param tokens  tokens processed
     * @param flops   floating-point operations
     */
    public record Stage(double seconds, long tokens, double flops) {

        public Stage {
            requireCount("seconds", seconds);
            requireCount("flops", flops);
            if (tokens < 0) {
                throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
            }
        }

        /** Hours on the reference device at the assumed utilisation that these FLOPs would take. */
        public double gpuHoursEquivalent() {
            return flops / (PEAK_FLOPS_PER_SECOND * UTILISATION) / 3600.0;
        }

        Stage plus(Stage other) {
            return new Stage(seconds + other.seconds, Math.addExact(tokens, other.tokens), flops + other.flops);
        }

        private static void requireCount(String name, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
            }
        }
    }

    private final Map<String, Stage> stages = new LinkedHashMap<>();

    /** An empty ledger. */
    public CostLedger() {}

    /**
     * The ledger written to {@code file} by {@link #write}, so that a resumed run continues its totals;
     * an empty ledger when the file does not exist. The {@code total} in the file is not read: it is
     * always the sum of the stages.
     *
     * @throws BadInputException naming the file and field when the file is not a ledger
     */
    public static CostLedger read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new CostLedger();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw BadInputException.at(file, 0, null, "a ledger must be a JSON object");
        }
        JsonNode stageNodes = root.get("stages");
        if (stageNodes == null || !stageNodes.isObject()) {
            throw BadInputException.at(file, 0, "stages", "must be an object of stage name to {seconds, tokens, flops}");
        }
        CostLedger ledger = new CostLedger();
        Iterator<Map.Entry<String, JsonNode>> it = stageNodes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = "stages." + e.getKey();
            JsonNode s = e.getValue();
            if (!s.isObject()) {
                throw BadInputException.at(file, 0, where, "must be an object with seconds, tokens and flops");
            }
            double seconds = nonNegative(file, where + ".seconds", s.get("seconds"));
            double flops = nonNegative(file, where + ".flops", s.get("flops"));
            JsonNode t = s.get("tokens");
            if (t == null || !t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() < 0) {
                throw BadInputException.at(file, 0, where + ".tokens", "must be a whole number >= 0, got " + t);
            }
            ledger.stages.put(e.getKey(), new Stage(seconds, t.asLong(), flops));
        }
        return ledger;
    }

    private static double nonNegative(Path file, String field, JsonNode v) {
        if (v == null || !v.isNumber() || !(v.asDouble() >= 0) || Double.isInfinite(v.asDouble())) {
            throw BadInputException.at(file, 0, field, "must be a finite number >= 0, got " + v);
        }
        return v.asDouble();
    }

    /**
     * Adds work to {@code stage}, creating it after the existing stages if new.
     *
     * @throws IllegalArgumentException if the name is blank or a figure is negative or not finite
     */
    public synchronized void add(String stage, double seconds, long tokens, double flops) {
        if (stage == null || stage.isBlank()) {
            throw new IllegalArgumentException("a stage needs a non-blank name");
        }
        Stage more = new Stage(seconds, tokens, flops);
        stages.merge(stage, more, Stage::plus);
    }

    /** An immutable copy of the stages, in first-seen order. */
    public synchronized Map<String, Stage> stages() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    }

    /** The sum over all stages. */
    public synchronized Stage total() {
        Stage sum = new Stage(0, 0, 0);
        for (Stage s : stages.values()) {
            sum = sum.plus(s);
        }
        return sum;
    }

    /**
     * Writes the ledger to {@code file} atomically, as {@code {"stages": {name: figures}, "total":
     * figures, "gpu_hour_basis": sentence}} where figures are seconds, tokens, flops and
     * gpu_hours_equivalent.
     */
    public void write(Path file) {
        Map<String, Stage> snapshot;
        Stage total;
        synchronized (this) {
            snapshot = stages();
            total = total();
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode stageNodes = root.putObject("stages");
        snapshot.forEach((name, s) -> figures(stageNodes.putObject(name), s));
        figures(root.putObject("total"), total);
        root.put("gpu_hour_basis", GPU_HOUR_BASIS);
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void figures(ObjectNode node, Stage s) {
        node.put("seconds", s.seconds());
        node.put("tokens", s.tokens());
        node.put("flops", s.flops());
        node.put("gpu_hours_equivalent", s.gpuHoursEquivalent());
    }
}
