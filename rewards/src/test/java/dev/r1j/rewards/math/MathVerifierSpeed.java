package dev.r1j.rewards.math;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.data.Gsm8k;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A measurement, not a test: verdicts per second of {@link MathVerifier#defaults()} on Math-Verify's
 * 270 test cases and on the 1,319 GSM8K test reference solutions, and the slowest single verdict on
 * the hostile answers of {@link AdversarialInputTest}. Run it with the test classpath:
 * {@code java -cp rewards/target/classes:rewards/target/test-classes:DEPENDENCIES
 * dev.r1j.rewards.math.MathVerifierSpeed [seconds]}.
 */
public final class MathVerifierSpeed {

    private MathVerifierSpeed() {
    }

    public static void main(String[] args) {
        Duration window = Duration.ofMillis((long) (1000 * (args.length > 0 ? Double.parseDouble(args[0]) : 3)));
        MathVerifier v = MathVerifier.defaults();
        List<String[]> mathVerify = new ArrayList<>();
        for (MathVerifyConformanceTest.Case c : MathVerifyConformanceTest.cases()) {
            mathVerify.add(new String[] {c.gold(), c.pred()});
        }
        List<String[]> gsm8k = new ArrayList<>();
        for (Problem p : Gsm8k.builtinTest()) {
            gsm8k.add(new String[] {p.answer(), p.meta("solution", "")});
        }
        List<String[]> hostile = new ArrayList<>();
        List<String> answers = new ArrayList<>(AdversarialInputTest.pathologicalAnswers());
        answers.addAll(AdversarialInputTest.heavyArithmetic());
        for (String answer : answers) {
            for (String gold : List.of("5", "x+1", "\\{1,2\\}", answer.length() < 4000 ? answer : "1")) {
                hostile.add(new String[] {gold, "\\boxed{" + answer + "}"});
                hostile.add(new String[] {gold, answer});
            }
        }
        // warm-up passes so that the figures are of compiled code
        MathVerifierBenchmark.verdictsPerSecond(v, mathVerify, Duration.ofMillis(500));
        MathVerifierBenchmark.verdictsPerSecond(v, gsm8k, Duration.ofMillis(500));
        MathVerifierBenchmark.slowestMillis(v, hostile);
        double mvRate = MathVerifierBenchmark.verdictsPerSecond(v, mathVerify, window);
        double gsmRate = MathVerifierBenchmark.verdictsPerSecond(v, gsm8k, window);
        double slowest = MathVerifierBenchmark.slowestMillis(v, hostile);
        System.out.printf("Math-Verify's %d cases: %.0f verdicts/s%n", mathVerify.size(), mvRate);
        System.out.printf("GSM8K %d reference solutions: %.0f verdicts/s%n", gsm8k.size(), gsmRate);
        System.out.printf("hostile inputs (%d verdicts): slowest %.1f ms%n", hostile.size(), slowest);
    }
}
