package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.math.internal.AnswerNormalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.Test;

/**
 * Hostile and random input: every call returns a verdict, nothing throws, nothing hangs. The time
 * limits here are generous hang guards, not performance assertions.
 */
class AdversarialInputTest {

    /** Guard for a whole batch of verdicts; the case running when it fires is named in the failure. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    private final AtomicReference<String> current = new AtomicReference<>("none");
    private static final MathVerifier LENIENT = MathVerifier.defaults();
    private static final MathVerifier STRICT = MathVerifier.builder().strict(true).build();

    private static final String[] LATEX_TOKENS = {
        "\\frac", "\\sqrt", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "\\pi", "\\infty", "x", "y",
        "e", "i", "1", "2", "10", "0", "0.5", "+", "-", "*", "/", "=", "<", "\\le", "!", "%", "\\%", ",", "\\cup",
        "\\pm", "\\cdot", "\\times", "\\sin", "\\log", "\\ln", "\\boxed", "\\text", "\\left(", "\\right)", "&",
        "\\\\", "\\begin{pmatrix}", "\\end{pmatrix}", "|", " ", "$", "\\", "\\binom", "\\dfrac", "°", "−", "√",
        "<answer>", "</answer>", "####", "The answer is", "\n", "\u0000", "\uD83D\uDE00", "9999999999"};

    static List<String> pathologicalAnswers() {
        List<String> out = new ArrayList<>();
        out.add("2^{2^{2^{100}}}");
        out.add("2^{2^{2^{2^{2^{2^{2^{2}}}}}}}");
        out.add("10^{10^{10^{10}}}");
        out.add("(10^{100})!");
        out.add("1000000!");
        out.add("((((3!)!)!)!)!");
        out.add("\\binom{10^{100}}{10^{50}}");
        out.add("\\sqrt[1000000]{2}");
        out.add("\\sqrt[10^{100}]{2}");
        out.add("x^{x^{x^{x^{x^{x}}}}}");
        out.add("(1+x)^{100000}");
        out.add("(1+x)^{64} - (1+x)^{64}");
        out.add("1e999999999");
        out.add("9".repeat(3999));
        out.add("0." + "3".repeat(3990));
        out.add("(".repeat(100_000) + "1" + ")".repeat(100_000));
        out.add("{".repeat(100_000) + "1" + "}".repeat(100_000));
        out.add("\\frac{".repeat(2000) + "1" + "}{2}".repeat(2000));
        out.add("-".repeat(100_000) + "5");
        out.add("2" + "^2".repeat(50_000));
        out.add("\\sqrt{".repeat(1500) + "2" + "}".repeat(1500));
        out.add("x" + "+x".repeat(1990));
        out.add("x".repeat(3999));
        out.add("\\{" + "1,".repeat(1900) + "1\\}");
        out.add("\\pm 1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 7 \\pm 8");
        out.add("(" + "1,".repeat(1500) + "2)");
        out.add("\\begin{pmatrix}" + "1 & ".repeat(500) + "1 \\\\ 2\\end{pmatrix}");
        out.add("\\left(".repeat(800) + "1" + "\\right)".repeat(800));
        out.add("{{{{{{{{{{");
        out.add("}}}}}}}}}}");
        out.add("\\frac{1}{");
        out.add("\\sqrt[");
        out.add("\\begin{pmatrix}");
        out.add("\\end{pmatrix}");
        out.add("\u0000\u0000\u0000");
        out.add("5\u00005");
        out.add("\\text{" + "a".repeat(3000) + "}");
        out.add("1,".repeat(1999) + "1");
        out.add("x = y = z = " + "w = ".repeat(900) + "1");
        out.add("\\sin(\\sin(\\sin(\\sin(\\sin(\\sin(\\sin(\\sin(x))))))))");
        out.add("|".repeat(3000));
        out.add("1/0 + 0/0");
        out.add("\\ln(0)");
        out.add("\\log_1 5");
        out.add("0^{-1}");
        out.add("(-1)^{1/2}");
        out.add("\\infty - \\infty");
        out.add("\\tan(\\pi/2)");
        out.add("10^{10^{10^{10^{10}}}} - 10^{10^{10^{10^{10}}}}");
        out.add("9^{9^{9^{9}}}!");
        out.add("\\sqrt{".repeat(90) + "x" + "}".repeat(90));
        out.add("\\left(".repeat(95) + "x^{x^{x}}" + "\\right)".repeat(95));
        out.add("1" + "0".repeat(3990));
        out.add("0." + "9".repeat(1000) + "e-400");
        out.add("x = y = z = " + "\\approx 1".repeat(500));
        out.add("\\boxed{1}".repeat(60));
        out.add("1,\\! 000".repeat(500));
        out.add("\\zzz_{" + "a".repeat(60) + "}^{\\yyy}");
        out.add("p=5,q=2;".repeat(300));
        out.add("(1+x)^{64} - (x+1)^{64} + 10^{-400}");
        return out;
    }

    @Test
    void pathologicalAnswersGetVerdicts() {
        guarded(() -> {
            for (String answer : pathologicalAnswers()) {
                for (String gold : List.of("5", "2^{2^{2^{100}}}", "\\{1,2\\}", "x+1", "(1, 2]",
                        answer.length() < 4000 ? answer : "1")) {
                    assertVerdict(gold, "\\boxed{" + answer + "}");
                    assertVerdict(gold, answer);
                    equivalent(gold, answer);
                    equivalent(answer, gold);
                }
            }
        });
    }

    static List<String> heavyArithmetic() {
        return List.of(
                String.join("+", java.util.Collections.nCopies(500, "1000!")),
                String.join("+", java.util.Collections.nCopies(280, "(3/2)^{8000}")),
                String.join("+", java.util.Collections.nCopies(200, "\\binom{2000}{1000}")),
                String.join("*", java.util.Collections.nCopies(280, "(3/2)^{2000}")),
                "\\sqrt{" + "7".repeat(3000) + "}");
    }

    @Test
    void heavyArithmeticGetsAVerdict() {
        guarded(() -> {
            for (String answer : heavyArithmetic()) {
                current.set("heavy arithmetic " + abbreviate(answer));
                Verdict v = LENIENT.verify("5", "\\boxed{" + answer + "}");
                assertFalse(v.correct(), v::toString);
            }
        });
    }

    @Test
    void theBudgetCountsWorkNotTime() {
        // 34,000 operations of big-number arithmetic: within the default budget, over a budget of 10,000
        String gold = "\\binom{600}{300}";
        String completion = "\\boxed{\\frac{600!}{300! \\cdot 300!}}";
        assertTrue(LENIENT.verify(gold, completion).correct());
        MathVerifier tight = MathVerifier.builder().maxOperations(10_000).build();
        Verdict cut = tight.verify(gold, completion);
        assertFalse(cut.correct());
        assertTrue(cut.reason().contains("budget of 10000 operations used up"), cut.reason());
        // counted, not timed: the same verdict every time, also with threads competing for the CPU
        List<Verdict> parallel = assertTimeoutPreemptively(HANG_GUARD, () -> java.util.stream.IntStream.range(0, 48)
                .parallel().mapToObj(i -> i % 2 == 0 ? tight.verify(gold, completion) : LENIENT.verify(gold, completion))
                .toList());
        for (int i = 0; i < parallel.size(); i++) {
            assertEquals(i % 2 == 0 ? cut : LENIENT.verify(gold, completion), parallel.get(i));
        }
    }

    @Test
    void pathologicalVerdictsAreTheSameEveryTime() {
        guarded(() -> {
            for (String answer : pathologicalAnswers()) {
                for (String gold : List.of("5", "x+1", answer.length() < 4000 ? answer : "1")) {
                    current.set("repeat verify(" + abbreviate(gold) + ", " + abbreviate(answer) + ")");
                    Verdict first = LENIENT.verify(gold, "\\boxed{" + answer + "}");
                    assertEquals(first, LENIENT.verify(gold, "\\boxed{" + answer + "}"));
                    assertTrue(first.reason().contains("gold ["), first::reason);
                }
            }
        });
    }

    @Test
    void hugeValuesAreNotEqualUnlessIdentical() {
        assertTrue(LENIENT.equivalent("2^{2^{2^{100}}}", "2^{2^{2^{100}}}"));
        assertFalse(LENIENT.equivalent("2^{2^{2^{100}}}", "2^{2^{2^{100}}} + 1"));
        assertFalse(LENIENT.equivalent("2^{2^{2^{100}}}", "3^{2^{2^{100}}}"));
        assertFalse(LENIENT.equivalent("5", "1000000!"));
        assertFalse(LENIENT.equivalent("\\infty", "2^{2^{2^{100}}}"));
    }

    @Test
    void megabyteCompletionsGetVerdicts() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<String> completions = new ArrayList<>();
        completions.add("a".repeat(1_000_000));
        completions.add("answer ".repeat(140_000) + "\\boxed{5}");
        completions.add("The answer is ".repeat(70_000));
        completions.add("\\boxed{" + "{".repeat(500_000));
        completions.add("\\boxed{" + "(".repeat(500_000) + "}");
        completions.add("<answer>" + "1".repeat(900_000) + "</answer>");
        completions.add("1,".repeat(450_000));
        completions.add("Answer: x\n".repeat(90_000));
        completions.add("\\boxed{1}".repeat(100_000));
        completions.add("#### ".repeat(200_000));
        completions.add(randomUnicode(rnd, 1_000_000));
        completions.add(randomLatex(rnd, 200_000));
        guarded(() -> {
            for (String c : completions) {
                assertVerdict("5", c);
                current.set("strict verify of " + abbreviate(c));
                assertNotNull(STRICT.verify("5", c));
            }
        });
        assertTrue(LENIENT.verify("5", "answer ".repeat(140_000) + "\\boxed{5}").correct());
    }

    @Test
    void randomUnicodeNeverThrows() {
        SplittableRandom rnd = new SplittableRandom(11);
        guarded(() -> {
            for (int i = 0; i < 3000; i++) {
                String s = randomUnicode(rnd, rnd.nextInt(0, 60));
                assertVerdict("5", s);
                assertVerdict(s, "\\boxed{" + s + "}");
            }
        });
    }

    @Test
    void randomLatexSoupNeverThrows() {
        SplittableRandom rnd = new SplittableRandom(13);
        List<String> golds = List.of("5", "\\frac{1}{2}", "x^2+1", "\\{1,2\\}", "[1,2)", "y=2x+1", "B", "\\text{yes}");
        guarded(() -> {
            for (int i = 0; i < 6000; i++) {
                String s = randomLatex(rnd, rnd.nextInt(1, 40));
                String gold = golds.get(i % golds.size());
                assertVerdict(gold, "\\boxed{" + s + "}");
                assertVerdict(gold, s);
                equivalent(s, s);
            }
        });
    }

    @Test
    void everyNonEmptyAnswerEqualsItself() {
        SplittableRandom rnd = new SplittableRandom(19);
        guarded(() -> {
            for (int i = 0; i < 2000; i++) {
                String s = i % 2 == 0 ? randomLatex(rnd, rnd.nextInt(1, 30)) : randomUnicode(rnd, rnd.nextInt(1, 30));
                current.set("reflexivity of " + abbreviate(s));
                if (!AnswerNormalizer.normalize(s).isEmpty()) {
                    assertTrue(LENIENT.equivalent(s, s), () -> "not equal to itself: " + s);
                }
            }
        });
    }

    @Test
    void verdictsAreTheSameUnderConcurrency() {
        SplittableRandom rnd = new SplittableRandom(23);
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            pairs.add(new String[] {randomLatex(rnd, rnd.nextInt(1, 12)), randomLatex(rnd, rnd.nextInt(1, 12))});
        }
        pairs.add(new String[] {"x^2-1", "(x-1)(x+1)"});
        List<Boolean> sequential = pairs.stream().map(p -> LENIENT.equivalent(p[0], p[1])).toList();
        List<Boolean> parallel = assertTimeoutPreemptively(HANG_GUARD,
                () -> pairs.parallelStream().map(p -> LENIENT.equivalent(p[0], p[1])).toList());
        assertEquals(sequential, parallel);
        assertTrue(sequential.get(sequential.size() - 1));
    }

    @Test
    void soupAgainstItselfIsStable() {
        // the same pair always gets the same verdict: comparison is seeded, not random per call
        SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 300; i++) {
            String a = randomLatex(rnd, rnd.nextInt(1, 20));
            String b = randomLatex(rnd, rnd.nextInt(1, 20));
            boolean first = LENIENT.equivalent(a, b);
            assertTrue(first == LENIENT.equivalent(a, b), () -> "unstable verdict for " + a + " vs " + b);
        }
    }

    private void guarded(Executable batch) {
        assertTimeoutPreemptively(HANG_GUARD, batch, () -> "no verdict within " + HANG_GUARD + " while on " + current.get());
    }

    private void equivalent(String gold, String pred) {
        current.set("equivalent(" + abbreviate(gold) + ", " + abbreviate(pred) + ")");
        LENIENT.equivalent(gold, pred);
    }

    private void assertVerdict(String gold, String completion) {
        current.set("verify(" + abbreviate(gold) + ", " + abbreviate(completion) + ")");
        Verdict v = LENIENT.verify(gold, completion);
        assertNotNull(v);
        assertNotNull(v.reason());
        assertNotNull(v.extracted());
    }

    private static String randomUnicode(SplittableRandom rnd, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = rnd.nextInt(4);
            char c = switch (kind) {
                case 0 -> (char) rnd.nextInt(0, 128);
                case 1 -> (char) rnd.nextInt(0x80, 0x3000);
                case 2 -> (char) rnd.nextInt(0xD800, 0xE000); // lone surrogates
                default -> "{}()[]\\^_$0123456789".charAt(rnd.nextInt(20));
            };
            sb.append(c);
        }
        return sb.toString();
    }

    private static String randomLatex(SplittableRandom rnd, int tokens) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            sb.append(LATEX_TOKENS[rnd.nextInt(LATEX_TOKENS.length)]);
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " chars)";
    }
}
