package dev.r1j.rewards.code;

import dev.r1j.rewards.code.internal.SandboxProvider;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Containment of the fallback used as root where unprivileged user namespaces are not allowed
 * (privileged bubblewrap, program on a per-run uid). Needs root, so it is skipped elsewhere.
 */
@RequiresSandbox
class PrivilegedModeContainmentTest extends AbstractSandboxContainmentTest {

    private static Sandbox privileged;

    @BeforeAll
    static void create() {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "the privileged sandbox mode needs root");
        privileged = SandboxProvider.privilegedMode();
    }

    @Override
    protected Sandbox sandbox() {
        return privileged;
    }
}
