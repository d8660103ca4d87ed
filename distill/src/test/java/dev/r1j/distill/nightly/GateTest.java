package dev.r1j.distill.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.nightly.internal.Gate;
import org.junit.jupiter.api.Test;

class GateTest {

    private static int[] counts(int n, int correctEvery) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = i % correctEvery == 0 ? 4 : 0;
        }
        return c;
    }

    @Test
    void aClearlyBetterStudentPasses() {
        Gate.Decision d = Gate.decide(counts(100, 1), counts(100, 4), 4, 0.0, 2000, 7, "published student");
        assertTrue(d.publish(), d.reason());
        assertEquals(0.75, d.difference(), 1e-12);
        assertTrue(d.differenceInterval().low() > 0.6, d.reason());
        assertEquals(1.0, d.candidate().value());
        assertEquals(0.25, d.baseline().value());
        assertTrue(d.reason().contains("lies above"), d.reason());
    }

    @Test
    void anEqualOrWorseStudentIsKept() {
        Gate.Decision same = Gate.decide(counts(50, 2), counts(50, 2), 4, 0.0, 2000, 7, "published student");
        assertFalse(same.publish(), "an interval of exactly [0, 0] does not lie above 0");
        Gate.Decision worse = Gate.decide(counts(50, 4), counts(50, 2), 4, 0.0, 2000, 7, "published student");
        assertFalse(worse.publish());
        assertTrue(worse.reason().contains("does not lie above"), worse.reason());
    }

    @Test
    void aSmallNoisyGainIsNotEnoughAndTheThresholdMoves() {
        int[] base = counts(40, 2);
        int[] better = base.clone();
        better[1] = 4; // one problem of forty better
        assertFalse(Gate.decide(better, base, 4, 0.0, 2000, 7, "b").publish(), "one problem is within the noise");
        assertTrue(Gate.decide(better, base, 4, -0.05, 2000, 7, "b").publish(), "a non-inferiority margin accepts it");
    }
}
