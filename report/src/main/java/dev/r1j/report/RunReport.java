package dev.r1j.report;

import dev.r1j.rl.run.CostLedger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A run directory summarised as one {@code report.html} that opens in any browser with no other
 * files and no network: charts are embedded PNGs, styles are inline. It shows the metrics as charts
 * and final values, the cost ledger, the last few samples and the configuration.
 *
 * <p>Samples are model output, which is adversarial input to a browser: every piece of text from the
 * run directory is HTML-escaped, and the page also forbids scripts through its content security
 * policy, so a sample that contains markup is shown as text and never runs.
 */
public final class RunReport {

    /** Chart size in pixels; two fit side by side on a wide screen. */
    private static final int CHART_WIDTH = 640;
    private static final int CHART_HEIGHT = 360;
    /** Strings longer than this, or with line breaks, are shown as a preformatted block. */
    private static final int INLINE_LIMIT = 80;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One line chart of {@code metrics.jsonl} columns against the {@code step} column, one series per
     * column named after it.
     *
     * @param title   shown above the plot
     * @param yLabel  y-axis title
     * @param columns metric names, in legend order; at least one
     */
    public record Chart(String title, String yLabel, List<String> columns) {
        public Chart {
            if (title == null || yLabel == null) {
                throw new IllegalArgumentException("a chart needs a title and a y label");
            }
            if (columns == null || columns.isEmpty()) {
                throw new IllegalArgumentException("chart '" + title + "' needs at least one column");
            }
            columns = List.copyOf(columns);
        }
    }

    private RunReport() {}

    /**
     * Writes {@code runDir/report.html} atomically. Reads {@code metrics.jsonl} (required) and, where
     * present, {@code samples.jsonl} (of which the last {@code maxSamples} lines are shown),
     * {@code ledger.json} and {@code config.json}. A chart none of whose columns has a value is left
     * out, since runs differ in what they log.
     *
     * @throws BadInputException if {@code metrics.jsonl} is missing, a file is malformed, or
     *                           {@code maxSamples} is negative
     */
    public static void write(Path runDir, String title, List<Chart> charts, int maxSamples) {
        if (title == null) {
            throw new BadInputException("a run report needs a title");
        }
        if (maxSamples < 0) {
            throw new BadInputException("maxSamples must be >= 0, got " + maxSamples);
        }
        Path metricsFile = runDir.resolve("metrics.jsonl");
        if (!Files.isRegularFile(metricsFile)) {
            throw BadInputException.at(metricsFile, 0, null, "missing: a run report needs the run's metrics.jsonl");
        }
        MetricsTable metrics = MetricsTable.read(metricsFile);

        StringBuilder html = new StringBuilder(64 * 1024);
        head(html, title);
        html.append("<h1>").append(escape(title)).append("</h1>\n");
        html.append("<p class=\"meta\">").append(escape(String.valueOf(runDir.toAbsolutePath().getFileName())))
                .append(" &middot; ").append(metrics.size()).append(" metric rows &middot; generated ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("</p>\n");

        chartsSection(html, metrics, charts);
        finalValuesSection(html, metricsFile);
        ledgerSection(html, runDir.resolve("ledger.json"));
        samplesSection(html, runDir.resolve("samples.jsonl"), maxSamples);
        configSection(html, runDir.resolve("config.json"));
        html.append("</body>\n</html>\n");
        AtomicFiles.writeString(runDir.resolve("report.html"), html.toString());
    }

    private static void head(StringBuilder html, String title) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(title)).append("</title>\n")
                .append("<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1340px;padding:0 1em;color:#222}\n")
                .append("h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n")
                .append(".meta,.note{color:#666}\n")
                .append(".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(520px,100%),1fr));gap:1em}\n")
                .append(".charts img{width:100%;height:auto;border:1px solid #eee}\n")
                .append("table{border-collapse:collapse;margin:.5em 0}\n")
                .append("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\n")
                .append("th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("tr.total td{font-weight:bold}\n")
                .append("pre{white-space:pre-wrap;word-break:break-word;margin:0;max-height:24em;overflow:auto;")
                .append("font-size:.9em;background:#fafafa;padding:.4em}\n")
                .append("</style>\n</head>\n<body>\n");
    }

    private static void chartsSection(StringBuilder html, MetricsTable metrics, List<Chart> charts) {
        double[] step = metrics.column("step");
        String xLabel = "step";
        if (allNaN(step)) { // a log without steps is still worth plotting, against row number
            xLabel = "row";
            for (int i = 0; i < step.length; i++) {
                step[i] = i + 1;
            }
        }
        List<String> images = new ArrayList<>();
        for (Chart c : charts) {
            LineChart chart = new LineChart(c.title(), xLabel, c.yLabel());
            for (String column : c.columns()) {
                LineChart more = chart.with(column, step, metrics.column(column));
                if (!more.series().get(column).isEmpty()) {
                    chart = more;
                }
            }
            if (chart.series().isEmpty()) {
                continue;
            }
            images.add(image(chart));
        }
        if (images.isEmpty()) {
            return;
        }
        html.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        images.forEach(html::append);
        html.append("</div>\n");
    }

    private static void finalValuesSection(StringBuilder html, Path metricsFile) {
        JsonNode last = null;
        try {
            List<String> lines = Files.readAllLines(metricsFile, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0 && last == null; i--) {
                if (!lines.get(i).isBlank()) {
                    last = JSON.readTree(lines.get(i)); // MetricsTable.read has already checked it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metricsFile, e);
        }
        html.append("<h2>Final values</h2>\n");
        if (last == null) {
            html.append("<p class=\"note\">metrics.jsonl has no rows yet.</p>\n");
            return;
        }
        html.append("<table>\n<tr><th>metric</th><th>value</th></tr>\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = last.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNumber()) {
                html.append("<tr><td>").append(escape(e.getKey())).append("</td><td class=\"num\">")
                        .append(escape(number(e.getValue()))).append("</td></tr>\n");
            }
        }
        html.append("</table>\n");
    }

    private static void ledgerSection(StringBuilder html, Path ledgerFile) {
        if (!Files.isRegularFile(ledgerFile)) {
            return;
        }
        html.append("<h2>Cost</h2>\n");
        ledgerTable(html, CostLedger.read(ledgerFile));
    }

    // ---------------------------------------------------------------------------------------------
    // Pieces for other self-contained pages (the demo's report) in the same style and under the same policy

    /** A whole page: the head with styles and content security policy, then {@code bodyHtml}. */
    public static String page(String title, String bodyHtml) {
        StringBuilder html = new StringBuilder(bodyHtml.length() + 4096);
        head(html, title);
        html.append(bodyHtml).append("</body>\n</html>\n");
        return html.toString();
    }

    /** The chart as an embedded PNG image element. */
    public static String image(LineChart chart) {
        String png = Base64.getEncoder().encodeToString(chart.png(CHART_WIDTH, CHART_HEIGHT));
        return "<img src=\"data:image/png;base64," + png + "\" alt=\"" + escape(chart.title()) + "\">\n";
    }

    /** The ledger as a table: one row a stage, then the total, then the GPU-hour basis. */
    public static void ledgerTable(StringBuilder html, CostLedger ledger) {
        html.append("<table>\n<tr><th>stage</th><th>seconds</th><th>tokens</th>")
                .append("<th>FLOPs</th><th>GPU-hours equivalent</th></tr>\n");
        ledger.stages().forEach((name, s) -> ledgerRow(html, "", name, s));
        ledgerRow(html, " class=\"total\"", "total", ledger.total());
        html.append("</table>\n<p class=\"note\">").append(escape(CostLedger.GPU_HOUR_BASIS)).append(".</p>\n");
    }

    private static void ledgerRow(StringBuilder html, String rowClass, String name, CostLedger.Stage s) {
        html.append("<tr").append(rowClass).append("><td>").append(escape(name)).append("</td>")
                .append("<td class=\"num\">").append(String.format(Locale.ROOT, "%.1f", s.seconds())).append("</td>")
                .append("<td class=\"num\">").append(String.format(Locale.ROOT, "%,d", s.tokens())).append("</td>")
                .append("<td class=\"num\">").append(String.format(Locale.ROOT, "%.3e", s.flops())).append("</td>")
                .append("<td class=\"num\">").append(significant(s.gpuHoursEquivalent(), 4))
                .append("</td></tr>\n");
    }

    private static void samplesSection(StringBuilder html, Path samplesFile, int maxSamples) {
        if (maxSamples == 0 || !Files.isRegularFile(samplesFile)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(samplesFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + samplesFile, e);
        }
        List<Integer> numbers = new ArrayList<>(); // 1-based line numbers of the samples shown
        for (int i = lines.size() - 1; i >= 0 && numbers.size() < maxSamples; i--) {
            if (!lines.get(i).isBlank()) {
                numbers.add(0, i + 1);
            }
        }
        if (numbers.isEmpty()) {
            return;
        }
        List<JsonNode> samples = new ArrayList<>();
        Set<String> fields = new LinkedHashSet<>(); // union of the samples' fields, in first-seen order
        for (int n : numbers) {
            JsonNode node;
            try {
                node = JSON.readTree(lines.get(n - 1));
            } catch (IOException e) {
                throw BadInputException.at(samplesFile, n, null, "not JSON: " + e.getMessage());
            }
            if (node == null || !node.isObject()) {
                throw BadInputException.at(samplesFile, n, null, "a sample must be a JSON object");
            }
            samples.add(node);
            node.fieldNames().forEachRemaining(fields::add);
        }
        html.append("<h2>Samples</h2>\n<p class=\"note\">The last ").append(samples.size())
                .append(" of samples.jsonl.</p>\n<table>\n<tr><th>line</th>");
        for (String f : fields) {
            html.append("<th>").append(escape(f)).append("</th>");
        }
        html.append("</tr>\n");
        for (int i = 0; i < samples.size(); i++) {
            html.append("<tr><td class=\"num\">").append(numbers.get(i)).append("</td>");
            for (String f : fields) {
                html.append("<td>").append(cell(samples.get(i).get(f))).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static String cell(JsonNode v) {
        if (v == null) {
            return "";
        }
        if (v.isNumber()) {
            return escape(number(v));
        }
        String text = v.isTextual() ? v.asText() : v.toString();
        if (text.length() > INLINE_LIMIT || text.indexOf('\n') >= 0) {
            return "<pre>" + escape(text) + "</pre>";
        }
        return escape(text);
    }

    private static void configSection(StringBuilder html, Path configFile) {
        if (!Files.isRegularFile(configFile)) {
            return;
        }
        String pretty;
        try {
            JsonNode config = JSON.readTree(Files.readAllBytes(configFile));
            if (config == null || config.isMissingNode()) {
                throw BadInputException.at(configFile, 0, null, "is empty; expected a JSON document");
            }
            pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw BadInputException.at(configFile, 0, null, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configFile, e);
        }
        html.append("<h2>Configuration</h2>\n<pre>").append(escape(pretty)).append("</pre>\n");
    }

    /** Whole numbers as they are; others to six significant digits, in scientific notation when tiny or huge. */
    private static String number(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        return significant(v.asDouble(), 6);
    }

    /** {@code d} to {@code digits} significant digits, in scientific notation when tiny or huge. */
    private static String significant(double d, int digits) {
        if (!Double.isFinite(d)) {
            return Double.toString(d);
        }
        if (d == 0) {
            return "0";
        }
        double a = Math.abs(d);
        if (a >= 1e-4 && a < 1e9) {
            return new BigDecimal(d).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%." + (digits - 1) + "e", d);
    }

    private static boolean allNaN(double[] xs) {
        for (double x : xs) {
            if (!Double.isNaN(x)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Text made safe for HTML element content and quoted attribute values; control characters that
     * HTML does not allow become U+FFFD.
     */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\r' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }
}
