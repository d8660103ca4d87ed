package dev.r1j.rewards.code;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that runs programs in the bubblewrap sandbox. On a machine without one (a newcomer's fresh
 * checkout) it is skipped with a message naming what to install; under CI (environment variable
 * {@code CI} set, as CI services and {@code .ci/run} do) it runs and fails, so a CI machine that lost
 * its sandbox cannot pass by skipping.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SandboxCondition.class)
@interface RequiresSandbox {
}
