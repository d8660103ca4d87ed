package dev.r1j.rl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.r1j.boundaries.BoundaryFixture;
import dev.r1j.boundaries.ModuleBoundaries;
import dev.r1j.rewards.math.internal.AnswerExtractor;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * rl-core uses only rewards' public API and exposes none of its own internals; and, on fixtures that
 * break them, the rules fail with a message naming the class, the type it should not use and the rule.
 */
class ModuleBoundariesTest {

    private static final String ROOT = "dev.r1j.rl";
    private static final JavaClasses CLASSES = ModuleBoundaries.classesOf(ROOT);

    @Test
    void usesNoOtherModulesInternals() {
        ModuleBoundaries.noOtherModulesInternals(ROOT).check(CLASSES);
    }

    @Test
    void publicApiExposesNoInternals() {
        ModuleBoundaries.publicApiExposesNoInternals(ROOT).check(CLASSES);
    }

    @Test
    void theCheckSeesMainAndTestClassesButNoFixture() {
        assertTrue(CLASSES.contain(CausalLm.class));
        assertTrue(CLASSES.contain(ModuleBoundariesTest.class));
        assertFalse(CLASSES.contain(ReachesIntoRewards.class));
        assertFalse(CLASSES.contain(ExposesAnInternal.class));
    }

    @Test
    void reachingIntoAnotherModulesInternalsFails() {
        String report = violations(ModuleBoundaries.noOtherModulesInternals(ROOT), ReachesIntoRewards.class);
        assertTrue(report.contains(ReachesIntoRewards.class.getName()), report);
        // By name: a class literal here would itself be a use of rewards' internals in this test.
        assertTrue(report.contains("<dev.r1j.rewards.math.internal.AnswerExtractor"), report);
        assertTrue(report.contains("'" + ModuleBoundaries.INTERNAL + "'"), report);
        assertTrue(report.contains("because a module uses only the public packages of another"), report);
    }

    @Test
    void ownInternalsAreAllowed() {
        EvaluationResult r = ModuleBoundaries.noOtherModulesInternals(ROOT)
                .evaluate(new ClassFileImporter().importClasses(UsesOwnInternals.class));
        assertFalse(r.hasViolation(), r.getFailureReport().toString());
    }

    @Test
    void exposingAnInternalTypeInPublicApiFails() {
        String report = violations(ModuleBoundaries.publicApiExposesNoInternals(ROOT), ExposesAnInternal.class);
        assertTrue(report.contains(ExposesAnInternal.class.getName() + ".weights()"), report);
        assertTrue(report.contains("exposes internal type " + DecoderWeights.class.getName()), report);
    }

    @Test
    void usingAnEngineFailsTheEngineFreeRule() {
        String report = violations(ModuleBoundaries.noEngineTypes(ROOT), UsesAnEngine.class);
        assertTrue(report.contains(UsesAnEngine.class.getName()), report);
        assertTrue(report.contains(Shape.class.getName()), report);
        assertTrue(report.contains("pulls no engine"), report);
    }

    /** The failure report of {@code rule} on just {@code classes}; the rule must fail on them. */
    private static String violations(ArchRule rule, Class<?>... classes) {
        EvaluationResult r = rule.evaluate(new ClassFileImporter().importClasses(classes));
        assertTrue(r.hasViolation(), "the rule passed on " + Arrays.toString(classes) + ": " + rule.getDescription());
        return r.getFailureReport().toString();
    }

    @BoundaryFixture
    static final class ReachesIntoRewards {
        Object extract(String text) {
            return new AnswerExtractor(java.util.List.of(), false, null).extract(text);
        }
    }

    @BoundaryFixture
    static final class UsesOwnInternals {
        long tensors(dev.r1j.rl.model.TransformerConfig c) {
            return DecoderWeights.hfShapes(c).size();
        }
    }

    @BoundaryFixture
    public static final class ExposesAnInternal {
        public DecoderWeights weights() {
            throw new UnsupportedOperationException("never called: only its signature is checked");
        }
    }

    @BoundaryFixture
    static final class UsesAnEngine {
        Object shape() {
            return new Shape(1);
        }
    }
}
