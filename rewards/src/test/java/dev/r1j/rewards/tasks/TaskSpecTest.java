package dev.r1j.rewards.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskSpecTest {

    @Test
    void namesReadBackAsTheSameGenerator() {
        for (TaskGenerator g : List.of(new MultiplicationTask(2, 2), new MultiplicationTask(3, 1), new ExpressionTask(3, 4, 9),
                new ExpressionTask(2, 6, 100), new CountdownTask(4, 50), new CountdownTask(3, 20))) {
            assertEquals(g, TaskSpec.parse(g.name()), g.name());
        }
    }

    @Test
    void shortFormsTakeTheDefaults() {
        assertEquals(new ExpressionTask(3, 4, 9), TaskSpec.parse("expr3-4"));
        assertEquals(new CountdownTask(4, 50), TaskSpec.parse("countdown4"));
    }

    @Test
    void badNamesSayWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskSpec.parse("div2x2"));
        assertTrue(e.getMessage().contains("mulAxB") && e.getMessage().contains("div2x2"), e.getMessage());
        // In the right form but out of the generator's range: the generator's own rule is the message.
        e = assertThrows(IllegalArgumentException.class, () -> TaskSpec.parse("expr1-4"));
        assertTrue(e.getMessage().contains("2 <= min"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskSpec.parse("expr3-4:99999999999"));
    }

    @Test
    void aMixedTaskAlternatesAndItsPrefixesAgree() {
        List<Problem> six = MixedTask.ARITH.generate(6, 3);
        List<Problem> five = MixedTask.ARITH.generate(5, 3);
        assertEquals(six.subList(0, 5), five, "asking for fewer problems gives a prefix");
        for (int i = 0; i < six.size(); i++) {
            assertEquals(i % 2 == 0 ? "mul2x2" : "expr3-4:9", six.get(i).id().substring(0, six.get(i).id().indexOf("-s")), six.get(i).id());
        }
        assertEquals(new MultiplicationTask(2, 2).generate(3, 3), List.of(six.get(0), six.get(2), six.get(4)));
        assertThrows(IllegalArgumentException.class, () -> new MixedTask("none", List.of()));
    }
}
