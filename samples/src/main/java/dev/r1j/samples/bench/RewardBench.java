package dev.r1j.samples.bench;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.code.CodeReward;
import dev.r1j.rewards.code.Sandbox;
import dev.r1j.rewards.code.SandboxUnavailableException;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.math.MathVerifier;
import dev.r1j.rewards.math.MathVerifierBenchmark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Throughput of the verifiers: math verdicts per second and sandboxed executions per second. */
public final class RewardBench {

    /** LaTeX-heavy (gold, completion) pairs in the style of MATH answers. */
    static final String[][] LATEX = {
        {"\\frac{\\sqrt{2}}{2}", "Thus the answer is $\\boxed{\\frac{1}{\\sqrt{2}}}$."},
        {"\\frac{1+\\sqrt{5}}{2}", "$\\boxed{\\dfrac{1}{2}+\\dfrac{\\sqrt{5}}{2}}$"},
        {"(-\\infty, 3]", "so $x \\le 3$, i.e. \\boxed{(-\\infty,3]}"},
        {"\\{1,2\\}", "\\boxed{\\{2, 1\\}}"}, {"y=2x+1", "\\boxed{2x - y + 1 = 0}"},
        {"x^2-1", "\\boxed{(x-1)(x+1)}"}, {"\\frac{\\pi}{2}", "\\boxed{\\frac{1}{2}\\pi}"},
        {"3\\sqrt{2}", "\\boxed{\\sqrt{18}}"}, {"\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\boxed{\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}}"},
        {"(1,2)\\cup(3,\\infty)", "\\boxed{(3,\\infty)\\cup(1,2)}"}, {"2\\pm\\sqrt{3}", "\\boxed{2+\\sqrt3, 2-\\sqrt3}"},
        {"\\binom{5}{2}", "\\boxed{10}"}, {"e^{2x}", "\\boxed{(e^x)^2}"}, {"\\sin^2 x+\\cos^2 x", "\\boxed{1}"},
        {"3+4i", "\\boxed{4i+3}"}, {"\\text{(B)}", "The answer is (B)."}, {"90^\\circ", "\\boxed{90}"},
        {"\\frac{5}{2}", "\\boxed{2\\frac{1}{2}}"}, {"\\sqrt[3]{-8}", "\\boxed{-2}"}, {"\\frac{x^2-4}{x-2}", "\\boxed{x+2}"},
    };

    private final boolean quick;
    private final Consumer<String> progress;

    public RewardBench(boolean quick, Consumer<String> progress) {
        this.quick = quick;
        this.progress = progress;
    }

    public Map<String, Object> verifier() {
        MathVerifier v = MathVerifier.defaults();
        List<String[]> gsm = new ArrayList<>();
        for (Problem p : Gsm8k.builtinTest()) {
            gsm.add(new String[] {p.answer(), p.meta("solution", "")});
        }
        List<String[]> latex = List.of(LATEX);
        List<String[]> hostile = new ArrayList<>();
        for (String h : new String[] {"\\boxed{2^{2^{2^{2^{2^{100}}}}}}", "\\boxed{10^{10^{10^{10}}}}", "\\boxed{9999999999999!}",
            "\\boxed{" + "(".repeat(100_000) + "1" + ")".repeat(100_000) + "}", "\\boxed{" + "1+".repeat(200_000) + "1}",
            "x".repeat(1_000_000), "\\boxed{(1+x)^{99999}}"}) {
            hostile.add(new String[] {"72", h});
        }
        Duration window = Duration.ofMillis(quick ? 700 : 3000);
        MathVerifierBenchmark.verdictsPerSecond(v, gsm, Duration.ofMillis(300)); // warm-up
        MathVerifierBenchmark.verdictsPerSecond(v, latex, Duration.ofMillis(300));
        double gsmRate = MathVerifierBenchmark.verdictsPerSecond(v, gsm, window);
        double latexRate = MathVerifierBenchmark.verdictsPerSecond(v, latex, window);
        double slowest = Math.max(MathVerifierBenchmark.slowestMillis(v, hostile), Math.max(
                MathVerifierBenchmark.slowestMillis(v, latex), MathVerifierBenchmark.slowestMillis(v, gsm)));
        progress.accept(String.format("verifier: %.0f GSM8K verdicts/s, %.0f LaTeX verdicts/s, slowest %.1f ms",
                gsmRate, latexRate, slowest));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gsm8k_reference_solutions_per_second", EngineBench.round(gsmRate));
        out.put("latex_answers_per_second", EngineBench.round(latexRate));
        out.put("slowest_verdict_ms", EngineBench.round(slowest));
        return out;
    }

    /** Sandboxed runs of a trivial HumanEval-style program per second, with 1 and 2 workers; empty without a sandbox. */
    public Map<String, Object> sandbox() {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            Sandbox.detect();
        } catch (SandboxUnavailableException e) {
            out.put("unavailable", e.getMessage());
            return out;
        }
        Problem p = new Problem("add", "def add(a, b):\n", "", TaskKind.CODE, Map.of("test",
                "def check(f):\n    assert f(2, 3) == 5\n", "entry_point", "add"));
        int runs = quick ? 8 : 32;
        for (int workers : new int[] {1, 2}) {
            CodeReward reward = CodeReward.builder().workers(workers).build();
            List<Problem> ps = new ArrayList<>();
            List<String> cs = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                ps.add(p);
                cs.add("    return a + b\n");
            }
            long t = System.nanoTime();
            List<RewardResult> r = reward.scoreAll(ps, cs);
            double rate = runs / ((System.nanoTime() - t) / 1e9);
            if (!r.stream().allMatch(RewardResult::correct)) {
                throw new IllegalStateException("sandbox benchmark program failed: " + r.get(0).reason());
            }
            out.put("executions_per_second_workers_" + workers, EngineBench.round(rate));
            progress.accept(String.format("sandbox: %.1f executions/s with %d worker(s)", rate, workers));
        }
        return out;
    }
}
