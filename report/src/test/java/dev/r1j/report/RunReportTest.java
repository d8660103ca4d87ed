package dev.r1j.report;

import dev.r1j.rl.run.CostLedger;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

    private static final Pattern IMG = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"([^\"]*)\">");

    private static final List<RunReport.Chart> CHARTS = List.of(
            new RunReport.Chart("Loss", "nats", List.of("loss")),
            new RunReport.Chart("Reward", "mean reward", List.of("reward", "not_logged")),
            new RunReport.Chart("Eval accuracy", "accuracy", List.of("eval_acc", "also_absent")));

    @TempDir
    Path run;

    private void metrics() throws Exception {
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"step":1,"loss":2.5,"reward":0.25,"eval_acc":null,"phase":"train"}
                {"step":2,"loss":1.75,"reward":0.5,"phase":"train"}
                {"step":3,"loss":0.5,"reward":0.75,"tokens":1200,"phase":"train"}
                """);
    }

    private String report(List<RunReport.Chart> charts, int maxSamples) throws Exception {
        RunReport.write(run, "GRPO <b>demo</b> & co", charts, maxSamples);
        return Files.readString(run.resolve("report.html"), StandardCharsets.UTF_8);
    }

    @Test
    void oneEmbeddedPngPerChartWithDataAndNoneForAnEmptyChart() throws Exception {
        metrics();
        String html = report(CHARTS, 5);
        Matcher m = IMG.matcher(html);
        List<String> alts = new ArrayList<>();
        while (m.find()) {
            byte[] png = Base64.getDecoder().decode(m.group(1));
            assertEquals((byte) 0x89, png[0]);
            assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));
            alts.add(m.group(2));
        }
        assertEquals(List.of("Loss", "Reward"), alts, "the all-absent Eval accuracy chart is skipped");
        assertEquals(2, html.split("<img", -1).length - 1, "no other images");
        assertFalse(html.contains("Eval accuracy"));
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "nothing is fetched from the network");
    }

    @Test
    void noChartsSectionWhenNoChartHasData() throws Exception {
        metrics();
        String html = report(List.of(new RunReport.Chart("Eval", "acc", List.of("eval_acc"))), 5);
        assertFalse(html.contains("<img"));
        assertFalse(html.contains("<h2>Charts</h2>"));
    }

    @Test
    void finalValuesAreTheNumericFieldsOfTheLastRow() throws Exception {
        metrics();
        String html = report(List.of(), 0);
        assertTrue(html.contains("<tr><td>step</td><td class=\"num\">3</td></tr>"), html);
        assertTrue(html.contains("<tr><td>loss</td><td class=\"num\">0.5</td></tr>"), html);
        assertTrue(html.contains("<tr><td>reward</td><td class=\"num\">0.75</td></tr>"), html);
        assertTrue(html.contains("<tr><td>tokens</td><td class=\"num\">1200</td></tr>"), html);
        assertFalse(html.contains("<td>phase</td>"), "text fields are not final values");
        assertFalse(html.contains("<td class=\"num\">1.75</td>"), "earlier rows are not final values");
    }

    @Test
    void samplesAreTheLastFewWithEverythingEscaped() throws Exception {
        metrics();
        String longText = "step one\nstep two</pre><script>alert(2)</script>\n" + "x".repeat(100);
        Files.writeString(run.resolve("samples.jsonl"), String.join("\n",
                "{\"prompt\":\"oldest sample\",\"reward\":0}",
                "{\"prompt\":\"2+2?\",\"completion\":\"<script>alert(1)</script>\",\"reward\":1}",
                "",
                "{\"prompt\":\"why?\",\"completion\":" + json(longText) + ",\"reward\":0.5,\"<img src=x>\":true}",
                ""));
        String html = report(CHARTS, 2);

        assertFalse(html.toLowerCase().contains("<script"), "no script element can come from a sample");
        assertFalse(html.contains("<img src=x>"), "field names are escaped too");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), html);
        assertTrue(html.contains("<pre>step one\nstep two&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;\n"), html);
        assertTrue(html.contains("<th>&lt;img src=x&gt;</th>"), html);
        assertTrue(html.contains("<td>2+2?</td>") && html.contains("<td>why?</td>"), html);
        assertFalse(html.contains("oldest sample"), "only the last two samples are shown");
        assertTrue(html.contains("<td class=\"num\">2</td>") && html.contains("<td class=\"num\">4</td>"),
                "each sample names its line in samples.jsonl");
        assertTrue(html.contains("<td>0.5</td>") && html.contains("<td>true</td>"), html);
    }

    @Test
    void titleIsEscaped() throws Exception {
        metrics();
        String html = report(List.of(), 0);
        assertTrue(html.contains("<title>GRPO &lt;b&gt;demo&lt;/b&gt; &amp; co</title>"), html);
        assertTrue(html.contains("<h1>GRPO &lt;b&gt;demo&lt;/b&gt; &amp; co</h1>"), html);
        assertFalse(html.contains("<b>"));
    }

    @Test
    void ledgerAndConfigAreShown() throws Exception {
        metrics();
        CostLedger ledger = new CostLedger();
        ledger.add("generation", 90.25, 1234567, 1.42416e18); // one GPU-hour at 989e12 x 0.4
        ledger.add("optimisation", 30, 1000, 7.1208e17); // half of one
        ledger.write(run.resolve("ledger.json"));
        Files.writeString(run.resolve("config.json"), "{\"lr\":0.001,\"model\":{\"layers\":4,\"name\":\"<tiny>\"}}");

        String html = report(CHARTS, 5);
        assertTrue(html.contains("<tr><td>generation</td><td class=\"num\">90.3</td><td class=\"num\">1,234,567</td>"
                + "<td class=\"num\">1.424e+18</td><td class=\"num\">1</td></tr>"), html);
        assertTrue(html.contains("<tr><td>optimisation</td><td class=\"num\">30.0</td><td class=\"num\">1,000</td>"
                + "<td class=\"num\">7.121e+17</td><td class=\"num\">0.5</td></tr>"), html);
        assertTrue(html.contains("<tr class=\"total\"><td>total</td><td class=\"num\">120.3</td><td class=\"num\">1,235,567</td>"
                + "<td class=\"num\">2.136e+18</td><td class=\"num\">1.5</td></tr>"), html);
        assertTrue(html.contains("989 TFLOP/s"), "the GPU-hour basis is stated");

        CostLedger small = new CostLedger();
        small.add("generation", 1, 1, 1.42416e12); // a millionth of a GPU-hour must not read as zero
        small.write(run.resolve("ledger.json"));
        assertTrue(report(CHARTS, 5).contains("<td class=\"num\">1.000e-06</td></tr>"));

        assertTrue(html.contains("<h2>Configuration</h2>"));
        assertTrue(html.contains("&quot;layers&quot; : 4"), "config is pretty-printed: " + html);
        assertTrue(html.contains("\n  &quot;model&quot; : {\n"), "config is indented: " + html);
        assertTrue(html.contains("&quot;&lt;tiny&gt;&quot;"), html);
        assertFalse(html.contains("<tiny>"));
    }

    @Test
    void optionalSectionsAreLeftOutWhenTheirFilesAreAbsent() throws Exception {
        metrics();
        String html = report(CHARTS, 5);
        assertFalse(html.contains("<h2>Cost</h2>"));
        assertFalse(html.contains("<h2>Samples</h2>"));
        assertFalse(html.contains("<h2>Configuration</h2>"));
        assertTrue(html.contains("<h2>Final values</h2>"));
    }

    @Test
    void missingMetricsFailsNamingTheFile() {
        BadInputException e = assertThrows(BadInputException.class, () -> RunReport.write(run, "t", CHARTS, 5));
        assertTrue(e.getMessage().contains(run.resolve("metrics.jsonl").toString()), e.getMessage());
        assertFalse(Files.exists(run.resolve("report.html")));
    }

    @Test
    void malformedOptionalFilesFailNamingTheFile() throws Exception {
        metrics();
        Files.writeString(run.resolve("samples.jsonl"), "{\"ok\":1}\n[1,2]\n");
        BadInputException e = assertThrows(BadInputException.class, () -> RunReport.write(run, "t", CHARTS, 5));
        assertTrue(e.getMessage().contains("samples.jsonl:2"), e.getMessage());

        Files.delete(run.resolve("samples.jsonl"));
        Files.writeString(run.resolve("ledger.json"), "{\"stages\":{\"generation\":{\"seconds\":1,\"tokens\":1.5,\"flops\":0}}}");
        e = assertThrows(BadInputException.class, () -> RunReport.write(run, "t", CHARTS, 5));
        assertTrue(e.getMessage().contains("ledger.json") && e.getMessage().contains("stages.generation.tokens"), e.getMessage());

        Files.delete(run.resolve("ledger.json"));
        Files.writeString(run.resolve("config.json"), "{\"lr\":");
        e = assertThrows(BadInputException.class, () -> RunReport.write(run, "t", CHARTS, 5));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(Files.exists(run.resolve("report.html")), "a failed report writes nothing");
    }

    private static String json(String s) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    }
}
