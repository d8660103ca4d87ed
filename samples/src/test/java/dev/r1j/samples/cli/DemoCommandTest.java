package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo at toy size (the smoke plan): every stage of the quick and full plans runs on the real
 * built-in models, and what it leaves behind has the promised shape. The effect itself is measured
 * by the full and quick plans and recorded in docs/results.md.
 */
class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    void everyStageRunsAndTheSummaryHasTheShapeItPromises() throws Exception {
        Path out = tmp.resolve("demo");
        CliRun r = CliRun.of("demo", "--plan", "smoke", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        for (String stage : new String[] {"[1/", "GRPO", "traces", "SFT", "Evaluate the distilled student", "ONNX Runtime", "Write the report"}) {
            assertTrue(r.err().contains(stage), "console story mentions " + stage + ":\n" + r.err());
        }
        assertTrue(r.out().contains("report: " + out.resolve("report.html")), r.out());

        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("smoke", s.get("plan").asText());
        for (String key : new String[] {"teacher_base", "teacher_rl", "student_base", "student_distilled"}) {
            JsonNode m = s.get(key);
            double p = m.get("pass_at_1").asDouble();
            JsonNode ci = m.get("pass_at_1_ci95");
            assertTrue(p >= 0 && p <= 1, key + " pass@1 " + p);
            assertTrue(ci.get(0).asDouble() <= p && p <= ci.get(1).asDouble(), key + " interval " + ci + " holds " + p);
            double think = m.get("think_rate").asDouble();
            assertTrue(think >= 0 && think <= 1, key + " think-rate " + think);
            double check = m.get("check_rate").asDouble();
            assertTrue(check >= 0 && check <= think, key + " check-rate " + check + " counts only completions that think");
            assertTrue(m.get("seconds").asDouble() > 0, key + " seconds");
        }
        assertTrue(s.get("teacher_rl").get("seconds").asDouble() >= s.get("stage_seconds").get("grpo").asDouble(),
                "the RL teacher's seconds include its training");
        assertTrue(s.get("total_flops").asDouble() > 0);
        JsonNode onnx = s.get("onnx");
        assertEquals(onnx.get("greedy_prompts").asInt(), onnx.get("identical_to_djl").asInt(),
                "ONNX Runtime answers exactly as DJL does: " + onnx);
        assertTrue(Files.isRegularFile(out.resolve(onnx.get("file").asText())));

        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Before and after") && html.contains("data:image/png;base64,"), "tables and charts");
        assertTrue(html.contains("check-rate") && html.contains("Self-checking"), "the check-rate column and chart");
        assertFalse(html.contains("<script"), "the report runs no script");
        assertTrue(Files.isRegularFile(out.resolve("grpo/report.html")));
        try (Checkpoint student = Checkpoint.load(out.resolve("student-distilled"))) {
            assertTrue(student.provenance().orElseThrow().command().startsWith("r1j demo"));
        }

        CliRun again = CliRun.of("demo", "--plan", "smoke", "--out", out.toString());
        assertEquals(2, again.exit(), "a demo never overwrites another");
        assertTrue(again.err().contains("not empty"), again.err());
    }
}
