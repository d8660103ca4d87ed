package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A conversation's mask (assistant turns only) survives packing: only its learned tokens are targets. */
class MaskedExampleTest {

    @Test
    void packingKeepsTheMaskAndNeverLearnsAnExamplesFirstToken() {
        TrainingExample plain = new TrainingExample(new int[] {9, 8}, 0);
        TrainingExample chat = TrainingExample.masked(new int[] {1, 2, 3, 4, 5}, new boolean[] {true, false, true, false, true});
        assertEquals(2, chat.promptLength(), "the first learned token");
        List<SequencePacker.Row> rows = SequencePacker.pack(List.of(plain, chat), 6, 0);
        assertEquals(1, rows.size());
        assertArrayEquals(new int[] {9, 8, 1, 2, 3, 4, 5}, rows.get(0).tokens());
        // targets 8 (learned: pre-training example), 1 (an example's first token), 2, 3 (learned), 4, 5 (learned)
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 1}, rows.get(0).targetMask());
        assertThrows(IllegalArgumentException.class, () -> TrainingExample.masked(new int[] {1, 2}, new boolean[] {true, false}));
        assertThrows(IllegalArgumentException.class, () -> new TrainingExample(new int[] {1, 2}, 0, new boolean[] {true}));
    }
}
