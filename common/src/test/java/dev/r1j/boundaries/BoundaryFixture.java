package dev.r1j.boundaries;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that breaks a {@link ModuleBoundaries} rule on purpose, to show that the rule
 * fails on it; {@link ModuleBoundaries#classesOf} leaves such classes out of a module's own check.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface BoundaryFixture {}
