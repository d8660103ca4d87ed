package dev.r1j.distill;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.r1j.boundaries.ModuleBoundaries;
import org.junit.jupiter.api.Test;

/** distill uses only the public API of the modules it depends on and exposes none of its own internals. */
class ModuleBoundariesTest {

    private static final String ROOT = "dev.r1j.distill";
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
    void theCheckSeesMainAndTestClasses() {
        assertTrue(CLASSES.contain(dev.r1j.distill.onnx.OnnxExporter.class));
        assertTrue(CLASSES.contain(ModuleBoundariesTest.class));
    }
}
