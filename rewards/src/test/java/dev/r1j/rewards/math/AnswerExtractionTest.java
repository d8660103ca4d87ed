package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Finding the final answer in a whole completion. */
class AnswerExtractionTest {

    private static final MathVerifier LENIENT = MathVerifier.defaults();
    private static final MathVerifier STRICT = MathVerifier.builder().strict(true).build();

    static Stream<Arguments> lenientCases() {
        return Stream.of(
                Arguments.of("so the result is \\boxed{42}.", "42"),
                Arguments.of("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
                Arguments.of("nested \\boxed{\\frac{\\sqrt{2}}{2}} done", "\\frac{\\sqrt{2}}{2}"),
                Arguments.of("first \\boxed{1} then \\boxed{2}", "2"),
                Arguments.of("\\fbox{7}", "7"),
                Arguments.of("thus $\\boxed 5$", "5"),
                Arguments.of("$\\boxed{x = 3}$", "x = 3"),
                Arguments.of("<think>2+2</think><answer>4</answer>", "4"),
                Arguments.of("<answer>The answer is 12.</answer>", "12"),
                Arguments.of("<answer> \\boxed{9} </answer>", "9"),
                Arguments.of("<ANSWER>8</ANSWER>", "8"),
                Arguments.of("Janet makes 9 * 2 = 18\n#### 18", "18"),
                Arguments.of("#### 1,000\n", "1,000"),
                Arguments.of("We compute. The answer is 72.", "72"),
                Arguments.of("The answer is $\\frac{3}{4}$.", "\\frac{3}{4}"),
                Arguments.of("So the final answer is 3.5.", "3.5"),
                Arguments.of("Final Answer: 17", "17"),
                Arguments.of("final answer: $x^2$", "x^2"),
                Arguments.of("The answer is:\n\n  64", "64"),
                Arguments.of("The answer is 5 or 6.", "5 or 6"),
                Arguments.of("the answer is 1 and later the answer is 2", "2"),
                Arguments.of("Work here.\nAnswer: 15", "15"),
                Arguments.of("Q: what?\nA: 3", "3"),
                Arguments.of("I think it's 10 or maybe 12 apples", "12"),
                Arguments.of("the total is -7", "-7"),
                Arguments.of("she has 1,250 dollars.", "1,250"),
                Arguments.of("pi is about 3.14.", "3.14"),
                Arguments.of("ratio 3/4", "3/4"),
                Arguments.of("Therefore, the answer is **5**.", "5"),
                Arguments.of("**Answer:** 9", "9"),
                Arguments.of("The answer is 3, because 2+1=3.", "3"),
                Arguments.of("The answer is 3 since 1+2=3", "3"),
                Arguments.of("The answer is 5 as well as 6.", "5 as well as 6"),
                Arguments.of("The final answer is: $\\boxed{5}$", "5"),
                Arguments.of("The answer is $14$ dollars.", "14$ dollars"),
                Arguments.of("The answer is 5! Great.", "5"),
                Arguments.of("The answer is 5!", "5"),
                Arguments.of("The answer is $5!$.", "5!"),
                Arguments.of("\\boxed{5!}", "5!"),
                Arguments.of("The probability is \\(\\frac{1}{2}\\).", "\\frac{1}{2}"),
                Arguments.of("so the length is $3\\sqrt{2}$ units", "3\\sqrt{2}"),
                Arguments.of("She paid $10 and got $5 back", "5"),
                Arguments.of("costs $2 each so 9 * 2 = 18", "18"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("lenientCases")
    void lenientExtraction(String completion, String expected) {
        assertEquals(Optional.of(expected), LENIENT.extract(completion));
    }

    @Test
    void emptyBoxIsAnEmptyAnswerNotAFallback() {
        assertEquals(Optional.of(""), LENIENT.extract("The answer is 5. \\boxed{}"));
        assertFalse(LENIENT.verify("5", "The answer is 5. \\boxed{}").correct());
    }

    @Test
    void unbalancedBoxFallsBackToTheNextAnchor() {
        assertEquals(Optional.of("5"), LENIENT.extract("The answer is 5. \\boxed{5"));
    }

    @Test
    void noAnswerAtAll() {
        assertEquals(Optional.empty(), LENIENT.extract("no digits here"));
        assertEquals(Optional.empty(), LENIENT.extract(""));
        assertEquals(Optional.empty(), LENIENT.extract(null));
    }

    @Test
    void strictModeDemandsAnExplicitAnchor() {
        assertEquals(Optional.empty(), STRICT.extract("I think it is 42"));
        assertEquals(Optional.empty(), STRICT.extract("Answer: 42"));
        assertEquals(Optional.of("42"), STRICT.extract("\\boxed{42}"));
        assertEquals(Optional.of("42"), STRICT.extract("<answer>42</answer>"));
        assertEquals(Optional.of("42"), STRICT.extract("#### 42"));
        assertEquals(Optional.of("42"), STRICT.extract("so the answer is 42"));
        assertFalse(STRICT.verify("42", "I think it is 42").correct());
        assertTrue(LENIENT.verify("42", "I think it is 42").correct());
        assertEquals(List.of(AnswerAnchor.BOXED, AnswerAnchor.ANSWER_TAG, AnswerAnchor.HASHES, AnswerAnchor.ANSWER_IS),
                STRICT.extractionOrder());
    }

    @Test
    void priorityIsConfigurable() {
        String completion = "<answer>3</answer> and later \\boxed{4}";
        assertEquals(Optional.of("4"), LENIENT.extract(completion));
        MathVerifier tagFirst = MathVerifier.builder()
                .extractionOrder(List.of(AnswerAnchor.ANSWER_TAG, AnswerAnchor.BOXED)).build();
        assertEquals(Optional.of("3"), tagFirst.extract(completion));
        MathVerifier onlyHashes = MathVerifier.builder().extractionOrder(List.of(AnswerAnchor.HASHES)).build();
        assertEquals(Optional.empty(), onlyHashes.extract(completion));
    }

    @Test
    void answersAfterTheReasoningWin() {
        String completion = "<think>maybe \\boxed{3}?</think> <answer>4</answer>";
        assertEquals(Optional.of("4"), LENIENT.extract(completion));
        assertEquals(Optional.of("4"), STRICT.extract(completion));
        String onlyInside = "<think>so \\boxed{3}</think> I am done.";
        assertEquals(Optional.of("3"), LENIENT.extract(onlyInside));
        assertEquals(Optional.empty(), STRICT.extract(onlyInside));
        assertEquals(Optional.of("7"), STRICT.extract("<think>the answer is 6</think>The answer is 7."));
    }

    @Test
    void syntaxNarrowsTheLastValue() {
        MathVerifier latex = MathVerifier.builder().syntax(AnswerSyntax.LATEX).build();
        MathVerifier plain = MathVerifier.builder().syntax(AnswerSyntax.PLAIN).build();
        assertEquals(Optional.of("(1, 2)"), LENIENT.extract("so $(1, 2)$"));
        assertEquals(Optional.of("\\frac{7}{3}"), LENIENT.extract("Thus \\frac{7}{3}"));
        assertEquals(Optional.of("12"), LENIENT.extract("$x$ is 12"));
        assertEquals(Optional.empty(), latex.extract("the total is 12"));
        assertEquals(Optional.of("x"), latex.extract("$x$ is 12"));
        assertEquals(Optional.of("7"), latex.extract("\\boxed{7} and 9"));
        assertEquals(Optional.of("2"), plain.extract("so $(1, 2)$"));
        assertEquals(Optional.of("1 000"), plain.extract("it weighs 1 000 kg"));
        assertEquals(Optional.of(".4"), plain.extract("a share of .4"));
        assertEquals(Optional.of("7"), plain.extract("\\boxed{7} and 9"));
    }

    @Test
    void answerTagMustBeClosed() {
        MathVerifier tagOnly = MathVerifier.builder().extractionOrder(List.of(AnswerAnchor.ANSWER_TAG)).build();
        assertEquals(Optional.empty(), tagOnly.extract("<answer>12"));
        assertEquals(Optional.of("12"), tagOnly.extract("<answer>11</answer><answer>12</answer>"));
    }
}
