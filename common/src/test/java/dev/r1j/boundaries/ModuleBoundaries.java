package dev.r1j.boundaries;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules that keep r1j's modules apart (docs/architecture.md, "Module boundaries"). Every module
 * that depends on another checks them on its own main and test classes in a {@code ModuleBoundariesTest};
 * a module is named by its root package ({@code dev.r1j.rl} for rl-core, {@code dev.r1j.distill}, ...).
 */
public final class ModuleBoundaries {

    /** Where implementation lives: any package named {@code internal}, at any depth. */
    public static final String INTERNAL = "dev.r1j..internal..";

    /** The engines' packages: DJL, ONNX Runtime and the ONNX protobuf classes. */
    public static final String[] ENGINES = {"ai.djl..", "ai.onnxruntime..", "ai.onnx.."};

    private ModuleBoundaries() {}

    /**
     * The main and test classes of the module whose root package is {@code root}, as the class path
     * holds them, without the classes marked {@link BoundaryFixture} (and the classes nested in them).
     */
    public static JavaClasses classesOf(String root) {
        return new ClassFileImporter().importPackages(root).that(not(fixture()));
    }

    /**
     * No class of module {@code root} uses a type of another module's {@code internal} package: what
     * one module needs of another is that module's public API.
     */
    public static ArchRule noOtherModulesInternals(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .should().dependOnClassesThat(resideInAPackage(INTERNAL).and(not(resideInAPackage(root + ".."))))
                .because("a module uses only the public packages of another; everything under an internal package is "
                        + "implementation (docs/architecture.md, Module boundaries)");
    }

    /**
     * No public constructor or method of a public type outside the {@code internal} packages of
     * module {@code root} takes or returns a type of an {@code internal} package: public API is
     * usable without reaching into implementation.
     */
    public static ArchRule publicApiExposesNoInternals(String root) {
        return codeUnits().that().areDeclaredInClassesThat().resideInAPackage(root + "..")
                .and().areDeclaredInClassesThat().resideOutsideOfPackage(INTERNAL)
                .and().areDeclaredInClassesThat().arePublic()
                .and().arePublic()
                .should(notExposeInternalTypes())
                .because("a caller of public API must not need an internal type (docs/architecture.md, Module boundaries)")
                .allowEmptyShould(true);
    }

    /**
     * No class of module {@code root} uses a type of DJL or ONNX Runtime: a user who only grades
     * outputs depends on that module and pulls no engine.
     */
    public static ArchRule noEngineTypes(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .should().dependOnClassesThat().resideInAnyPackage(ENGINES)
                .because("a user who only grades outputs depends on r1j-rewards and pulls no engine "
                        + "(docs/architecture.md, Module boundaries)");
    }

    private static DescribedPredicate<JavaClass> fixture() {
        return DescribedPredicate.describe("boundary fixture", c -> marked(c));
    }

    private static boolean marked(JavaClass c) {
        if (c.isAnnotatedWith(BoundaryFixture.class)) {
            return true;
        }
        return c.getEnclosingClass().map(ModuleBoundaries::marked).orElse(false);
    }

    private static ArchCondition<JavaCodeUnit> notExposeInternalTypes() {
        return new ArchCondition<>("not take or return a type of an internal package") {
            @Override
            public void check(JavaCodeUnit unit, ConditionEvents events) {
                List<JavaClass> exposed = new ArrayList<>();
                exposed.add(unit.getRawReturnType());
                exposed.addAll(unit.getRawParameterTypes());
                for (JavaClass t : exposed) {
                    JavaClass base = t.isArray() ? t.getBaseComponentType() : t;
                    if (resideInAPackage(INTERNAL).test(base)) {
                        events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " exposes internal type "
                                + base.getName() + " in " + unit.getSourceCodeLocation()));
                    }
                }
            }
        };
    }
}
