package dev.r1j.rewards.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.math.MathReward;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskTest {

    @Test
    void namesResolveToTheirKind() {
        assertEquals(Task.Dataset.GSM8K, Task.named("gsm8k"));
        assertEquals(Task.Dataset.MATH, Task.named("math"));
        assertEquals(Task.Dataset.CODE, Task.named("code"));
        for (String generated : List.of("arith", "countdown", "mul3x2", "expr3-5:20", "countdown4:100")) {
            Task t = Task.named(generated);
            assertInstanceOf(Task.Generated.class, t, generated);
            assertEquals(generated, t.id());
            assertTrue(t.generator().isPresent(), generated);
        }
        assertFalse(Task.named("gsm8k").generator().isPresent());
        assertEquals("gsm8k", Task.named("gsm8k").id());
    }

    @Test
    void unknownNamesSayWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.named("gsm9k"));
        assertTrue(e.getMessage().contains("'gsm9k'") && e.getMessage().contains("arith, countdown, gsm8k, math, code"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Task.named(""));
        assertThrows(IllegalArgumentException.class, () -> Task.named("mul9999999x2"));
    }

    @Test
    void generatedTasksAreSeededAndDatasetsBundled() {
        Task arith = Task.named("mul2x2");
        assertEquals(arith.problems(5, 3, null), arith.problems(5, 3, null));
        assertFalse(arith.problems(5, 3, null).equals(arith.problems(5, 4, null)));
        assertEquals(7, Task.named("gsm8k").problems(7, 0, null).size());
        assertTrue(Task.Dataset.GSM8K.trainingSet().size() > 7000);
        assertThrows(BadInputException.class, () -> Task.named("math").problems(3, 0, null));
        assertThrows(BadInputException.class, Task.Dataset.MATH::trainingSet);
    }

    @Test
    void correctnessFollowsTheTask() {
        assertInstanceOf(CountdownReward.class, Task.named("countdown").correctness(false, 1));
        assertInstanceOf(CountdownReward.class, Task.named("countdown3:20").correctness(false, 1));
        assertInstanceOf(MathReward.class, Task.named("arith").correctness(false, 1));
        assertInstanceOf(MathReward.class, Task.named("gsm8k").correctness(true, 1));
        Problem p = Task.named("mul2x2").problems(1, 1, null).get(0);
        Task strict = Task.named("mul2x2");
        assertEquals(1.0, strict.correctness(false, 1).score(p, "<answer>" + p.answer() + "</answer>").score());
        assertEquals(0.0, strict.correctness(false, 1).score(p, "we get " + p.answer()).score(),
                "strict extraction needs the answer tags");
        assertEquals(1.0, strict.correctness(true, 1).score(p, "we get " + p.answer()).score(),
                "lenient extraction takes the last number");
    }
}
