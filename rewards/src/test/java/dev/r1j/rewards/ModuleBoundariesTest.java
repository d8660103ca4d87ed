package dev.r1j.rewards;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.r1j.boundaries.ModuleBoundaries;
import org.junit.jupiter.api.Test;

/** rewards pulls no engine and exposes none of its internals (the rules bite: rl-core's ModuleBoundariesTest). */
class ModuleBoundariesTest {

    private static final String ROOT = "dev.r1j.rewards";
    private static final JavaClasses CLASSES = ModuleBoundaries.classesOf(ROOT);

    @Test
    void usesNoEngineTypes() {
        ModuleBoundaries.noEngineTypes(ROOT).check(CLASSES);
    }

    @Test
    void publicApiExposesNoInternals() {
        ModuleBoundaries.publicApiExposesNoInternals(ROOT).check(CLASSES);
    }

    @Test
    void theCheckSeesMainAndTestClasses() {
        assertTrue(CLASSES.contain(Reward.class));
        assertTrue(CLASSES.contain(ModuleBoundariesTest.class));
    }
}
