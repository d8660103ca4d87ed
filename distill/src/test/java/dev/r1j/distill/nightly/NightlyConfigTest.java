package dev.r1j.distill.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.traces.TraceSelection;
import dev.r1j.common.BadInputException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class NightlyConfigTest {

    private static NightlyConfig.Builder valid() {
        return NightlyConfig.builder().teacher("builtin:t").studentBase("builtin:s");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        NightlyConfig c = valid().build();
        assertEquals("arith", c.task());
        assertEquals(500, c.traceProblems());
        assertEquals(null, c.traceSeed());
        assertEquals(4, c.samplesPerProblem());
        assertEquals(TraceSelection.ALL_CORRECT, c.selection());
        assertEquals(200, c.evalProblems());
        assertEquals(4, c.evalK());
        assertEquals(7, c.evalSeed());
        assertEquals(0.0, c.minImprovement());
        assertEquals(2000, c.bootstrapResamples());
        assertEquals("published", c.publishDir());
        assertEquals(300, c.sft().steps());
        assertEquals(c, c.toBuilder().build());
        assertEquals(20261201L, c.traceSeedFor(NightId.parse("2026-12-01")));
        assertEquals(5L, valid().traceSeed(5L).build().traceSeedFor(NightId.parse("2026-12-01")));
    }

    private static void rejects(String field, String ruleFragment, UnaryOperator<NightlyConfig.Builder> change) {
        NightlyConfig.Invalid e = assertThrows(NightlyConfig.Invalid.class, () -> change.apply(valid()).build());
        assertEquals(field, e.field());
        assertTrue(e.getMessage().startsWith(field + " ") && e.rule().contains(ruleFragment), e.getMessage());
    }

    @Test
    void everyRuleNamesItsField() {
        rejects("teacher", "required", b -> b.teacher(null));
        rejects("student_base", "required", b -> b.studentBase(" "));
        rejects("task", "generated task", b -> b.task("gsm8k"));
        rejects("traces.problems", ">= 1", b -> b.traceProblems(0));
        rejects("traces.seed", "differ from eval.seed", b -> b.traceSeed(7L));
        rejects("traces.samples_per_problem", ">= 1, was 0", b -> b.samplesPerProblem(0));
        rejects("traces.cap_per_problem", ">= 1", b -> b.capPerProblem(0));
        rejects("traces.temperature", ">= 0", b -> b.traceTemperature(-1));
        rejects("traces.max_new_tokens", ">= 1", b -> b.traceMaxNewTokens(0));
        rejects("eval.problems", ">= 1", b -> b.evalProblems(0));
        rejects("eval.k", ">= 1", b -> b.evalK(0));
        rejects("eval.temperature", "finite", b -> b.evalTemperature(Double.NaN));
        rejects("eval.max_new_tokens", ">= 1", b -> b.evalMaxNewTokens(0));
        rejects("gate.min_improvement", "[-1, 1)", b -> b.minImprovement(1));
        rejects("gate.bootstrap_resamples", ">= 100", b -> b.bootstrapResamples(10));
        rejects("publish_dir", "non-empty", b -> b.publishDir(""));
    }

    @Test
    void nightsAreCalendarDates() {
        assertEquals(20260301L, NightId.parse("2026-03-01").dateSeed());
        assertThrows(BadInputException.class, () -> NightId.parse("2026-02-30"));
        assertThrows(BadInputException.class, () -> NightId.parse("tonight"));
    }
}
