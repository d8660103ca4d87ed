package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MathVerifierTest {

    static final MathVerifier LENIENT = MathVerifier.defaults();

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                MathVerifierTest.class.getResourceAsStream("/math/equivalences.tsv"), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                out.add(Arguments.of(n, f[0], f[1], f[2].replace("\\n", "\n"), Boolean.parseBoolean(f[3])));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "line {0}: {1} gold={2} pred={3} -> {4}")
    @MethodSource("cases")
    void equivalenceCases(int line, String mode, String gold, String pred, boolean expected) {
        if (mode.equals("eq")) {
            assertEquals(expected, LENIENT.equivalent(gold, pred), "gold " + gold + " vs " + pred);
        } else {
            Verdict v = LENIENT.verify(gold, pred);
            assertEquals(expected, v.correct(), "gold " + gold + " vs completion " + pred + ": " + v);
        }
    }

    @Test
    void strictModeDemandsAnExplicitAnswer() {
        MathVerifier strict = MathVerifier.builder().strict(true).build();
        assertFalse(strict.verify("72", "I computed 70 then 72").correct());
        assertFalse(strict.verify("72", "Answer: 72").correct(), "an Answer: line is not explicit enough for RL");
        assertTrue(strict.verify("72", "so \\boxed{72}").correct());
        assertTrue(strict.verify("72", "<answer>72</answer>").correct());
        assertTrue(strict.verify("72", "The answer is 72").correct());
        assertTrue(strict.verify("72", "I computed 70 then 72").reason().contains("strict"));
    }

    @Test
    void extractionPriorityIsConfigurable() {
        String text = "The answer is 5. \\boxed{6}";
        assertEquals("6", LENIENT.extract(text).orElseThrow());
        MathVerifier answerIsFirst = MathVerifier.builder()
                .extractionOrder(List.of(AnswerAnchor.ANSWER_IS, AnswerAnchor.BOXED)).build();
        assertEquals("5", answerIsFirst.extract(text).orElseThrow());
    }

    @Test
    void gsm8kGoldAnswersVerifyAgainstThemselvesAndNotNeighbours() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                MathVerifierTest.class.getResourceAsStream("/math/gsm8k-test-slice.jsonl"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String solution = json.readTree(line).get("answer").asText();
                String gold = solution.substring(solution.lastIndexOf("####") + 4).strip().replace(",", "");
                assertTrue(LENIENT.verify(gold, solution).correct(), "the reference solution itself: " + gold);
                assertTrue(LENIENT.verify(gold, "The answer is " + gold + ".").correct(), gold);
                assertTrue(LENIENT.verify(gold, "\\boxed{" + gold + "}").correct(), gold);
                String off = new java.math.BigDecimal(gold).add(java.math.BigDecimal.ONE).toPlainString();
                assertFalse(LENIENT.verify(gold, "\\boxed{" + off + "}").correct(), gold + " vs " + off);
                checked++;
            }
        }
        assertEquals(200, checked);
    }

    static List<String> hostile() {
        List<String> out = new ArrayList<>(List.of(
                "\\boxed{2^{2^{2^{2^{2^{100}}}}}}", "\\boxed{10^{10^{10^{10}}}}", "\\boxed{9999999999999!}",
                "\\boxed{" + "(".repeat(100_000) + "1" + ")".repeat(100_000) + "}",
                "\\boxed{" + "{".repeat(50_000) + "1" + "}".repeat(50_000) + "}",
                "\\boxed{" + "\\frac".repeat(20_000) + "}", "\\boxed{" + "\\sqrt".repeat(20_000) + "2}",
                "\\boxed{" + "-".repeat(100_000) + "1}", "\\boxed{" + "x^".repeat(30_000) + "2}",
                "\\boxed{" + "1+".repeat(200_000) + "1}", "x".repeat(1_000_000), "\\boxed{".repeat(10_000),
                "}".repeat(100_000) + "\\boxed{", "\u0000\u0000\\boxed{\u0000}", "<answer>" + "<answer>".repeat(10_000),
                "The answer is " + "9".repeat(100_000), "\\boxed{" + "9".repeat(5_000) + "}",
                "\\boxed{\\begin{pmatrix}" + "1&".repeat(3000) + "1\\end{pmatrix}}",
                "\\boxed{" + "\\{".repeat(10_000) + "}", "\\boxed{x^{x^{x^{x^{x^{x^{x}}}}}}}",
                "\\boxed{\\sin(\\sin(\\sin(\\sin(\\sin(\\sin(x))))))^{1000000}}", "\\boxed{(1+x)^{99999}}"));
        Random r = new Random(42);
        String alphabet = "0123456789+-*/^()[]{}\\,.=<>xyzeπ√ \n|!%$";
        String[] tokens = {"\\frac", "\\sqrt", "\\boxed{", "}", "{", "\\pi", "\\infty", "\\cup", "\\pm", "^", "_", "\\left(",
            "\\right)", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "<answer>", "</answer>", "####", "\\text{", "x", "2"};
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(200);
            for (int j = 0; j < n; j++) {
                if (r.nextBoolean()) {
                    sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
                } else if (r.nextInt(4) == 0) {
                    sb.append((char) r.nextInt(0x3000));
                } else {
                    sb.append(tokens[r.nextInt(tokens.length)]);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void adversarialInputGetsAVerdictWithoutThrowing() {
        for (String golds : new String[] {"72", "\\frac{1}{2}", "x^2+1", "\\{1,2\\}", "(1,3]", "B", "y=2x"}) {
            for (String h : hostile()) {
                Verdict v = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> LENIENT.verify(golds, h),
                        () -> "hang on " + h.substring(0, Math.min(60, h.length())));
                assertTrue(v.reason().length() > 0);
            }
        }
    }

    @Test
    void rewardAdaptsTheVerdict() {
        var p = dev.r1j.rewards.Problem.of("p", "1+1?", "2", dev.r1j.rewards.TaskKind.MATH);
        assertEquals(1.0, MathReward.strict().score(p, "<answer>2</answer>").score());
        assertEquals(0.0, MathReward.strict().score(p, "it is 2").score());
        assertEquals(1.0, MathReward.lenient().score(p, "it is 2").score());
        assertEquals("2", MathReward.lenient().score(p, "it is 2").extracted());
    }
}
