package dev.r1j.rewards.code;

/** Containment of the sandbox that {@link Sandbox#detect()} picks on this machine. */
@RequiresSandbox
class SandboxContainmentTest extends AbstractSandboxContainmentTest {

    @Override
    protected Sandbox sandbox() {
        return Sandbox.detect();
    }
}
