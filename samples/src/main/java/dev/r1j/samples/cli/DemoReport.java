package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.eval.EvalReport;
import dev.r1j.common.AtomicFiles;
import dev.r1j.report.LineChart;
import dev.r1j.report.MetricsTable;
import dev.r1j.report.RunReport;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * What {@code r1j demo} leaves behind: {@code summary.json} for programs and {@code report.html} for
 * people (self-contained, no network, every model output escaped).
 */
final class DemoReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ORDER = List.of("teacher_base", "teacher_rl", "student_base", "student_distilled");

    private DemoReport() {}

    /** Writes both files atomically into {@code out}. */
    static void write(Path out, DemoRun.Outcome o) {
        AtomicFiles.writeString(out.resolve("summary.json"), summary(o).toPrettyString() + "\n");
        AtomicFiles.writeString(out.resolve("report.html"), RunReport.page("r1j demo: reasoning from RL, distilled", body(o)));
    }

    static ObjectNode summary(DemoRun.Outcome o) {
        ObjectNode root = JSON.createObjectNode().put("plan", o.plan().name()).put("task", DemoPlan.TASK.id())
                .put("command", o.command()).put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.putObject("evaluation").put("problems", o.plan().evalProblems()).put("samples_per_problem", o.plan().evalSamples())
                .put("seed", DemoPlan.EVAL_SEED).put("temperature", 1.0);
        for (String key : ORDER) {
            DemoRun.Evaluated e = o.models().get(key);
            EvalReport r = e.report();
            ObjectNode m = root.putObject(key);
            m.put("pass_at_1", r.passAt1());
            m.putArray("pass_at_1_ci95").add(r.passAt1Interval().low()).add(r.passAt1Interval().high());
            m.put("think_rate", r.thinkRate());
            m.put("check_rate", r.checkRate());
            m.put("mean_length", r.meanLength());
            m.put("seconds", e.seconds());
        }
        root.put("traces", o.traceCount());
        DemoRun.Served served = o.served();
        root.putObject("onnx").put("file", relative(served)).put("sha256", served.sha256())
                .put("greedy_prompts", served.prompts()).put("identical_to_djl", served.identical())
                .put("correct", served.correct()).put("tokens_per_second", served.tokensPerSecond());
        ObjectNode stages = root.putObject("stage_seconds");
        o.stageSeconds().forEach(stages::put);
        root.put("total_seconds", o.stageSeconds().values().stream().mapToDouble(Double::doubleValue).sum());
        root.put("total_flops", o.ledger().total().flops());
        return root;
    }

    private static String body(DemoRun.Outcome o) {
        StringBuilder h = new StringBuilder(256 * 1024);
        h.append("<h1>Reasoning from pure RL, then distilled into a smaller model</h1>\n<p class=\"meta\">")
                .append(RunReport.escape(o.command())).append(" &middot; plan ").append(o.plan().name())
                .append(" &middot; ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append("</p>\n");
        h.append("<p>The base teacher (").append(DemoPlan.TEACHER).append(", 3.2 M parameters) was trained with GRPO on ")
                .append("an outcome reward only: 1 when the final <code>&lt;answer&gt;</code> is right, nothing for format, ")
                .append("no KL. Its verified answers then taught the 4x smaller student (").append(DemoPlan.STUDENT)
                .append(") by supervised fine-tuning. All four models are evaluated on the same ")
                .append(o.plan().evalProblems()).append(" held-out arithmetic problems, ").append(o.plan().evalSamples())
                .append(" samples each at temperature 1 (seed ").append(DemoPlan.EVAL_SEED).append(").</p>\n");

        h.append("<h2>Before and after</h2>\n<table>\n<tr><th>model</th><th>pass@1</th><th>95% interval</th>")
                .append("<th>think-rate</th><th>check-rate</th><th>mean length (tokens)</th><th>seconds to make and evaluate</th></tr>\n");
        for (String key : ORDER) {
            DemoRun.Evaluated e = o.models().get(key);
            EvalReport r = e.report();
            h.append("<tr><td>").append(RunReport.escape(e.label())).append("</td>")
                    .append(num("%.1f%%", 100 * r.passAt1()))
                    .append(num("%.1f&ndash;%.1f%%", 100 * r.passAt1Interval().low(), 100 * r.passAt1Interval().high()))
                    .append(num("%.0f%%", 100 * r.thinkRate())).append(num("%.0f%%", 100 * r.checkRate()))
                    .append(num("%.1f", r.meanLength()))
                    .append(num("%.0f", e.seconds())).append("</tr>\n");
        }
        h.append("</table>\n<p class=\"note\">Think-rate: the share of completions that open a <code>&lt;think&gt;</code> ")
                .append("block. The teacher was pre-trained with a quarter of its examples worked out; RL decides how often it ")
                .append("chooses to work them out. Check-rate: the share whose think block checks a step a second way ")
                .append("(a line starting with <code>check </code>); the built-in models were pre-trained without such ")
                .append("solutions, so it stays near zero.</p>\n");

        h.append("<h2>The teacher during RL</h2>\n<div class=\"charts\">\n");
        MetricsTable m = MetricsTable.read(o.grpoRun().resolve("metrics.jsonl"));
        double[] step = m.column("step");
        // The reward is the outcome alone, so it equals the accuracy: one curve.
        h.append(RunReport.image(new LineChart("Accuracy (= the reward)", "step", "share of the batch correct")
                .with("accuracy", step, m.column("accuracy"))));
        h.append(RunReport.image(new LineChart("Think-rate", "step", "share with a <think> block")
                .with("think_rate", step, m.column("think_rate"))));
        h.append(RunReport.image(new LineChart("Self-checking", "step", "share of completions")
                .with("check_rate", step, m.column("check_rate")).with("correction_rate", step, m.column("correction_rate"))));
        h.append(RunReport.image(new LineChart("Completion length", "step", "tokens")
                .with("length_mean", step, m.column("length_mean"))));
        h.append("</div>\n<p class=\"note\">All curves of the run, with its samples and ledger: <a href=\"grpo/report.html\">")
                .append("grpo/report.html</a>.</p>\n");

        examples(h, "The teacher's answers before and after RL", o.models().get("teacher_base"), o.models().get("teacher_rl"));
        examples(h, "The student's answers before and after distillation", o.models().get("student_base"),
                o.models().get("student_distilled"));

        DemoRun.Served served = o.served();
        h.append("<h2>The student, served from ONNX</h2>\n<p>The distilled student was exported to <code>")
                .append(RunReport.escape(relative(served)))
                .append("</code> (Hugging Face Optimum input and output names, KV cache) and ONNX Runtime answered ")
                .append(served.prompts()).append(" held-out problems greedily in one batch: <b>").append(served.identical())
                .append(" of ").append(served.prompts()).append("</b> answers are identical, token for token, to the DJL ")
                .append("engine's; ").append(served.correct()).append(" are correct; ")
                .append(String.format(Locale.ROOT, "%.0f", served.tokensPerSecond())).append(" tokens/s.</p>\n<table>\n")
                .append("<tr><th>problem</th><th>ONNX Runtime, greedy</th></tr>\n");
        for (DemoRun.Example e : served.examples()) {
            h.append("<tr><td><pre>").append(RunReport.escape(e.prompt())).append("</pre></td>").append(cell(e)).append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Cost</h2>\n");
        RunReport.ledgerTable(h, o.ledger());
        h.append("<p class=\"note\">").append(o.traceCount()).append(" traces in <code>traces.jsonl</code>; models in ")
                .append("<code>teacher-rl/</code> and <code>student-distilled/</code> (Hugging Face layout), the export in ")
                .append("<code>student-onnx/</code>.</p>\n");
        return h.toString();
    }

    private static void examples(StringBuilder h, String title, DemoRun.Evaluated before, DemoRun.Evaluated after) {
        h.append("<h2>").append(RunReport.escape(title)).append("</h2>\n<table>\n<tr><th>problem</th><th>")
                .append(RunReport.escape(before.label())).append("</th><th>").append(RunReport.escape(after.label()))
                .append("</th></tr>\n");
        for (int i = 0; i < Math.min(before.examples().size(), after.examples().size()); i++) {
            DemoRun.Example b = before.examples().get(i);
            DemoRun.Example a = after.examples().get(i);
            h.append("<tr><td><pre>").append(RunReport.escape(b.prompt())).append("</pre></td>")
                    .append(cell(b)).append(cell(a)).append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** The export's path inside the demo folder. */
    private static String relative(DemoRun.Served served) {
        return served.onnxFile().getParent().getFileName() + "/" + served.onnxFile().getFileName();
    }

    private static String cell(DemoRun.Example e) {
        return "<td><pre>" + RunReport.escape(e.completion()) + "</pre>" + (e.correct() ? "&#10003; correct" : "&#10007; wrong")
                + "</td>";
    }

    private static String num(String format, Object... values) {
        return "<td class=\"num\">" + String.format(Locale.ROOT, format, values) + "</td>";
    }
}
