package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole-completion verdicts, reward hacking attempts, options and the reward wrapper. */
class VerifyTest {

    private static final MathVerifier LENIENT = MathVerifier.defaults();
    private static final MathVerifier STRICT = MathVerifier.builder().strict(true).build();

    @ParameterizedTest(name = "[{0}] in \"{1}\" -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            72            | The answer is 72.                                  | true
            5             | The answer is 5 as well as 6.                      | false
            14            | The answer is $14$ dollars.                        | true
            0.25          | The answer is 25%.                                 | true
            72            | \\boxed{72}                                         | true
            72            | Let me think... 70 + 2 = 72. \\boxed{72}            | true
            72            | \\boxed{71} wait, no: \\boxed{72}                   | true
            72            | \\boxed{72} wait, no: \\boxed{71}                   | false
            3             | \\boxed{1} \\boxed{2} \\boxed{3}                    | false
            1,2,3         | \\boxed{1} \\boxed{2} \\boxed{3}                    | true
            \\{1,2\\}     | \\boxed{1}\\boxed{2}                               | true
            \\{1,2\\}     | \\boxed{1} and \\boxed{2}                          | true
            2             | \\boxed{1} then later I found \\boxed{2}           | true
            34            | Final Answer: The largest $n$ is 34.                | true
            10455         | \\boxed{200} and then \\boxed{255}, so in all $10,455$. Final Answer: The final answer is $10,455$. | true
            3             | \\boxed{3} \\boxed{2}                               | false
            3             | The answer is 1, 2, 3, 4.                           | false
            3             | \\boxed{1, 2, 3, 4}                                 | false
            3             | \\boxed{1 \\text{ or } 3}                           | false
            5             | The answer is 5 or 6.                               | false
            5             | \\boxed{}                                           | false
            5             | \\boxed{ }                                          | false
            \\{1,2\\}     | \\boxed{\\{1,2,3\\}}                                | false
            \\{1,2\\}     | \\boxed{\\{2,1\\}}                                  | true
            \\frac{1}{2}  | <think>hmm</think><answer>0.5</answer>              | true
            \\frac{1}{2}  | <answer>\\boxed{\\dfrac{1}{2}}</answer>             | true
            18            | She makes 9 * 2 = $18 every day.\\n#### 18          | true
            1000          | #### 1,000                                          | true
            B             | The correct option is \\boxed{\\text{(B)}}          | true
            B             | The answer is (B).                                  | true
            B             | The answer is (A) or (B).                           | false
            2\\sqrt{2}    | The answer is $\\sqrt{8}$.                          | true
            x = \\pm 2    | so $x = \\pm 2$, i.e. \\boxed{x = \\pm 2}           | true
            (3, \\infty)  | \\boxed{x > 3}                                      | true
            """)
    void wholeCompletions(String gold, String completion, boolean expected) {
        String text = completion.replace("\\n", "\n");
        Verdict v = LENIENT.verify(gold, text);
        assertEquals(expected, v.correct(), () -> "gold " + gold + " completion " + text + " -> " + v);
    }

    @Test
    void verdictCarriesTheExtractedAnswerAndAReason() {
        Verdict v = LENIENT.verify("72", "The answer is 72.");
        assertEquals("72", v.extracted());
        assertEquals("identical after normalisation: gold [72], answer [72] (ANSWER_IS)", v.reason());
        Verdict solution = LENIENT.verify("Since $6 \\cdot 12 = 72$, the answer is $\\boxed{72}$.", "\\boxed{71}");
        assertEquals("not equivalent: gold [72], answer [71] (BOXED)", solution.reason());
        assertEquals("empty completion: gold [5], answer none", LENIENT.verify("5", "").reason());
        Verdict none = STRICT.verify("72", "seventy-two");
        assertFalse(none.correct());
        assertEquals("", none.extracted());
        assertTrue(none.reason().contains("no explicit answer"), none.reason());
    }

    @Test
    void nullAndEmptyInputsGetVerdicts() {
        assertFalse(LENIENT.verify("5", null).correct());
        assertFalse(LENIENT.verify("5", "").correct());
        assertFalse(LENIENT.verify(null, "\\boxed{5}").correct());
        assertFalse(LENIENT.verify("", "\\boxed{5}").correct());
        assertFalse(LENIENT.equivalent(null, null));
        assertFalse(LENIENT.equivalent("", ""));
    }

    @Test
    void toleranceOptionAcceptsCoarserDecimals() {
        assertFalse(LENIENT.equivalent("2\\pi", "6.2832"));
        MathVerifier coarse = MathVerifier.builder().relativeTolerance(1e-4).build();
        assertTrue(coarse.equivalent("2\\pi", "6.2832"));
        assertFalse(coarse.equivalent("2\\pi", "6.3"));
        // rationals stay exact whatever the tolerance; a decimal is compared at the configured decimal places
        assertFalse(coarse.equivalent("1/3", "0.33333"));
    }

    @Test
    void decimalsAreComparedAtTheConfiguredPlaces() {
        assertFalse(LENIENT.equivalent("\\frac{1}{3}", "0.3333"));
        assertTrue(LENIENT.equivalent("\\frac{1}{3}", "0.333333"));
        MathVerifier four = MathVerifier.builder().decimalPlaces(4).build();
        assertTrue(four.equivalent("\\frac{1}{3}", "0.3333"));
        assertTrue(four.equivalent("(\\frac{3}{5}, \\frac{8}{3}]", "(0.6, 2.6667]"));
        assertFalse(four.equivalent("\\frac{1}{3}", "0.333"));
        // two exact values never round: 1/3 and 3333/10000 written as a fraction differ at any precision
        assertFalse(four.equivalent("\\frac{1}{3}", "\\frac{3333}{10000}"));
    }

    @Test
    void percentPolicies() {
        MathVerifier asNumber = MathVerifier.builder().percentPolicy(PercentPolicy.AS_NUMBER).build();
        MathVerifier asFraction = MathVerifier.builder().percentPolicy(PercentPolicy.AS_FRACTION).build();
        assertTrue(LENIENT.equivalent("50", "50\\%"));
        assertTrue(LENIENT.equivalent("0.5", "50\\%"));
        assertTrue(asNumber.equivalent("50", "50\\%"));
        assertFalse(asNumber.equivalent("0.5", "50\\%"));
        assertFalse(asFraction.equivalent("50", "50\\%"));
        assertTrue(asFraction.equivalent("0.5", "50\\%"));
        assertTrue(asFraction.equivalent("25\\%", "25\\%"));
        assertEquals(PercentPolicy.AS_FRACTION, MathVerifier.builder().percentAsFraction(true).build().percentPolicy());
        assertEquals(PercentPolicy.AS_NUMBER, MathVerifier.builder().percentAsFraction(false).build().percentPolicy());
        assertEquals(PercentPolicy.EITHER, MathVerifier.defaults().percentPolicy());
    }

    @Test
    void builderRejectsBadSettingsWithTheRule() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> MathVerifier.builder().relativeTolerance(-1));
        assertTrue(e.getMessage().contains("relativeTolerance") && e.getMessage().contains("[0, 0.1]"), e.getMessage());
        assertThrows(BadInputException.class, () -> MathVerifier.builder().relativeTolerance(Double.NaN));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().extractionOrder(List.of()));
        assertThrows(BadInputException.class,
                () -> MathVerifier.builder().extractionOrder(List.of(AnswerAnchor.BOXED, AnswerAnchor.BOXED)));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().maxOperations(0));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().decimalPlaces(13));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().syntax(null));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().maxInputChars(0));
        assertThrows(BadInputException.class, () -> MathVerifier.builder().percentPolicy(null));
        assertThrows(BadInputException.class,
                () -> MathVerifier.builder().strict(true).extractionOrder(List.of(AnswerAnchor.LAST_NUMBER)).build());
    }

    @Test
    void builderRoundTripsSettings() {
        MathVerifier v = MathVerifier.builder().strict(true).relativeTolerance(1e-6)
                .percentPolicy(PercentPolicy.AS_NUMBER).maxOperations(20_000).maxInputChars(5000)
                .syntax(AnswerSyntax.LATEX).decimalPlaces(3).build();
        MathVerifier copy = v.toBuilder().build();
        assertTrue(copy.strict());
        assertEquals(1e-6, copy.relativeTolerance());
        assertEquals(PercentPolicy.AS_NUMBER, copy.percentPolicy());
        assertEquals(20_000, copy.maxOperations());
        assertEquals(AnswerSyntax.LATEX, copy.syntax());
        assertEquals(3, copy.decimalPlaces());
        assertEquals(5000, copy.maxInputChars());
    }

    @Test
    void overlongCompletionIsWrongWithoutBeingRead() {
        MathVerifier small = MathVerifier.builder().maxInputChars(100).build();
        Verdict v = small.verify("5", "x".repeat(200) + "\\boxed{5}");
        assertFalse(v.correct());
        assertTrue(v.reason().contains("longer than 100"), v.reason());
    }

    @Test
    void benchmarkHelperMeasuresAndValidates() {
        List<String[]> pairs = List.of(new String[] {"72", "The answer is 72."}, new String[] {"\\frac12", "\\boxed{0.5}"},
                new String[] {"72", "\\boxed{71}"});
        // Two of the three pairs are right; every timed pass is a whole pass over them.
        MathVerifierBenchmark.Measurement m = MathVerifierBenchmark.measure(MathVerifier.defaults(), pairs, Duration.ofMillis(20));
        assertEquals(2, m.correctPerPass());
        assertTrue(m.verdicts() >= 3 && m.verdicts() % 3 == 0, "verdicts " + m.verdicts());
        assertTrue(m.verdictsPerSecond() > 0 && Double.isFinite(m.verdictsPerSecond()), "rate " + m.verdictsPerSecond());
        assertEquals(1, MathVerifierBenchmark.measure(MathVerifier.defaults(), List.<String[]>of(pairs.get(1)),
                Duration.ofMillis(1)).correctPerPass());
        assertEquals(0, MathVerifierBenchmark.measure(MathVerifier.defaults(), List.<String[]>of(pairs.get(2)),
                Duration.ofMillis(1)).correctPerPass());
        assertThrows(BadInputException.class, () -> MathVerifierBenchmark.verdictsPerSecond(List.of(), Duration.ofMillis(1)));
        assertThrows(BadInputException.class,
                () -> MathVerifierBenchmark.verdictsPerSecond(List.<String[]>of(new String[] {"1"}), Duration.ofMillis(1)));
        assertThrows(BadInputException.class, () -> MathVerifierBenchmark.verdictsPerSecond(pairs, Duration.ZERO));
    }

    @Test
    void mathRewardScoresOneOrZero() {
        Problem p = Problem.of("p1", "What is 6*7?", "42", TaskKind.MATH);
        RewardResult right = MathReward.strict().score(p, "6*7 = 42, so \\boxed{42}");
        assertEquals(1.0, right.score());
        assertTrue(right.correct());
        assertEquals("42", right.extracted());
        RewardResult wrong = MathReward.strict().score(p, "\\boxed{41}");
        assertEquals(0.0, wrong.score());
        assertFalse(wrong.correct());
        RewardResult unanchored = MathReward.strict().score(p, "it is 42");
        assertEquals(0.0, unanchored.score());
        assertEquals(1.0, MathReward.lenient().score(p, "it is 42").score());
        assertEquals("MathReward", MathReward.lenient().name());
    }
}
