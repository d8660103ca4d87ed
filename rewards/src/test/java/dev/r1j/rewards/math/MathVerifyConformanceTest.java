package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Math-Verify's own test cases (Apache-2.0, {@code math/math-verify/README.md} names the commit) run
 * through r1j's verifier: each case gives a gold text, a prediction text, Math-Verify's verdict and
 * the configuration it was run with. Both texts are whole outputs, so both go through extraction.
 * Agreement is reported per configuration; on the cases that use Math-Verify's default extraction
 * (LaTeX and plain expressions) it must be at least 95%.
 */
class MathVerifyConformanceTest {

    /** One case of {@code cases.jsonl}. */
    record Case(String id, String gold, String pred, boolean expected, String extraction, int precision,
                boolean strict, boolean allowSetRelation) {

        String configuration() {
            return extraction + ", precision " + precision + (strict ? "" : ", non-strict variables")
                    + (allowSetRelation ? ", set-relation comparison" : "");
        }
    }

    static List<Case> cases() {
        ObjectMapper json = new ObjectMapper();
        List<Case> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                MathVerifyConformanceTest.class.getResourceAsStream("/math/math-verify/cases.jsonl"),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = json.readTree(line);
                out.add(new Case(n.get("id").asText(), n.get("gold").asText(), n.get("pred").asText(),
                        n.get("expected").asBoolean(), n.get("extraction").asText(), n.get("precision").asInt(),
                        n.get("strict").asBoolean(), n.get("allow_set_relation_comp").asBoolean()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The r1j verifier that does what Math-Verify did for this case. */
    static MathVerifier verifierFor(Case c) {
        return MathVerifier.builder()
                .syntax(switch (c.extraction()) {
                    case "LATEX" -> AnswerSyntax.LATEX;
                    case "EXPR" -> AnswerSyntax.PLAIN;
                    default -> AnswerSyntax.LATEX_AND_PLAIN;
                })
                .decimalPlaces(c.precision())
                .build();
    }

    @Test
    void agreesWithMathVerifyOnItsOwnCases() {
        List<Case> all = cases();
        assertEquals(270, all.size(), "cases.jsonl holds the 270 cases of Math-Verify's tests");
        Map<String, int[]> byConfiguration = new TreeMap<>();
        Map<String, int[]> byExtraction = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        for (Case c : all) {
            Verdict v = verifierFor(c).verify(c.gold(), c.pred());
            boolean agree = v.correct() == c.expected();
            for (int[] tally : List.of(byConfiguration.computeIfAbsent(c.configuration(), k -> new int[2]),
                    byExtraction.computeIfAbsent(c.extraction(), k -> new int[2]))) {
                tally[0] += agree ? 1 : 0;
                tally[1]++;
            }
            if (!agree) {
                failures.add(String.format("%s [%s] expected %s, got %s: %s%n    gold: %s%n    pred: %s",
                        c.id(), c.configuration(), c.expected(), v.correct(), v.reason(),
                        abbreviate(c.gold()), abbreviate(c.pred())));
            }
        }
        StringBuilder report = new StringBuilder("Agreement with Math-Verify's test cases, by configuration:\n");
        byConfiguration.forEach((k, t) -> report.append(String.format("  %-45s %3d / %3d  %5.1f%%%n", k, t[0], t[1],
                100.0 * t[0] / t[1])));
        byExtraction.forEach((k, t) -> report.append(String.format("  all %-41s %3d / %3d  %5.1f%%%n", k, t[0], t[1],
                100.0 * t[0] / t[1])));
        report.append("Disagreements (").append(failures.size()).append("):\n");
        failures.forEach(f -> report.append("  ").append(f).append('\n'));
        System.out.println(report);
        int[] defaults = byExtraction.get("LATEX_AND_EXPR");
        assertEquals(156, defaults[1], "cases with Math-Verify's default extraction");
        assertTrue(defaults[0] >= Math.ceil(0.95 * defaults[1]),
                "at least 95% agreement on the default configuration, got " + defaults[0] + " of " + defaults[1]
                        + "\n" + report);
        int agreed = all.size() - failures.size();
        assertTrue(agreed >= Math.ceil(0.95 * all.size()),
                "at least 95% agreement over all configurations, got " + agreed + " of " + all.size() + "\n" + report);
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 150) + " ... " + oneLine.substring(oneLine.length() - 150);
    }
}
