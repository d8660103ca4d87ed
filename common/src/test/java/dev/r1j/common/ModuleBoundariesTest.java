package dev.r1j.common;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.r1j.boundaries.ModuleBoundaries;
import org.junit.jupiter.api.Test;

/** common pulls no engine and has no internals to expose (the rules bite: rl-core's ModuleBoundariesTest). */
class ModuleBoundariesTest {

    private static final String ROOT = "dev.r1j.common";
    private static final JavaClasses CLASSES = ModuleBoundaries.classesOf(ROOT);

    @Test
    void usesNoEngineTypes() {
        ModuleBoundaries.noEngineTypes(ROOT).check(CLASSES);
    }

    @Test
    void theCheckSeesMainAndTestClasses() {
        assertTrue(CLASSES.contain(BadInputException.class));
        assertTrue(CLASSES.contain(ModuleBoundariesTest.class));
    }
}
