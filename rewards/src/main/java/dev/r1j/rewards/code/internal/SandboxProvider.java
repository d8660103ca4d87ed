package dev.r1j.rewards.code.internal;

import dev.r1j.rewards.code.Sandbox;
import dev.r1j.rewards.code.SandboxLimits;
import dev.r1j.rewards.code.SandboxUnavailableException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Finds, self-tests and caches the sandbox of this JVM. */
public final class SandboxProvider {

    private static final System.Logger LOG = System.getLogger("dev.r1j.rewards.code.Sandbox");
    private static final String INSTALL_HINT =
            "install bubblewrap, util-linux and python3 (Debian: apt-get install -y bubblewrap util-linux python3-minimal)";

    /**
     * Checks what makes the sandbox a sandbox on this kernel: private host paths are absent, and the
     * process limit binds (it does not for host root, which is what a misconfigured user mapping
     * would give). Run with a limit of 4 processes: bubblewrap's init, the interpreter and two
     * children, so the third fork must fail.
     */
    private static final String SELF_TEST = String.join("\n",
            "import os, time",
            "seen = [p for p in ('/root', '/home', '/work', '/etc/passwd') if os.path.exists(p)]",
            "forks = 0",
            "try:",
            "    for _ in range(8):",
            "        if os.fork() == 0:",
            "            time.sleep(30)",
            "            os._exit(0)",
            "        forks += 1",
            "except OSError:",
            "    pass",
            "print('sandbox-ok' if forks < 8 and not seen else 'sandbox-leaky forks=%d seen=%s' % (forks, seen))",
            "");
    private static final int SELF_TEST_PROCESSES = 4;

    private static final Object LOCK = new Object();
    private static Sandbox isolated;
    private static String unavailableReason;

    private SandboxProvider() {
    }

    /** The bubblewrap sandbox; detection and self-test run once per JVM. */
    public static Sandbox isolated() {
        synchronized (LOCK) {
            if (isolated == null && unavailableReason == null) {
                try {
                    isolated = detectAndTest();
                } catch (SandboxUnavailableException e) {
                    unavailableReason = e.getMessage();
                }
            }
            if (isolated == null) {
                throw new SandboxUnavailableException(unavailableReason);
            }
            return isolated;
        }
    }

    /** A runner without isolation; logs a warning each time one is handed out. */
    public static Sandbox unsandboxed() {
        Path python = HostTools.anyPython().orElseThrow(() -> new SandboxUnavailableException(
                "no python3 found on this machine; " + INSTALL_HINT));
        Path prlimit = HostTools.find("prlimit", "/usr/bin/prlimit").orElse(null);
        Sandbox runner = new UnsandboxedRunner(prlimit, python);
        LOG.log(System.Logger.Level.WARNING, "*** RUNNING UNTRUSTED CODE WITHOUT A SANDBOX *** programs run as this "
                + "user with full file-system and network access (" + runner.description()
                + "). Use this only for trusted programs.");
        return runner;
    }

    private static Sandbox detectAndTest() {
        Path bwrap = HostTools.find("bwrap", "/usr/bin/bwrap").orElseThrow(() -> new SandboxUnavailableException(
                "no sandbox: bubblewrap (bwrap) is not installed; " + INSTALL_HINT
                        + ", or opt out explicitly with allowUnsandboxed(true)"));
        Path prlimit = HostTools.find("prlimit", "/usr/bin/prlimit").filter(p -> p.startsWith("/usr/"))
                .orElseThrow(() -> new SandboxUnavailableException(
                        "no sandbox: prlimit is not installed under /usr; " + INSTALL_HINT));
        Path python = HostTools.sandboxPython().orElseThrow(() -> new SandboxUnavailableException(
                "no sandbox: no python3 under /usr (an interpreter in a home directory, such as pyenv's, is "
                        + "not visible inside the sandbox); " + INSTALL_HINT));
        boolean root = HostTools.realUid() == 0;
        Path setpriv = HostTools.find("setpriv", "/usr/bin/setpriv").filter(p -> p.startsWith("/usr/")).orElse(null);
        if (root && setpriv == null) {
            throw new SandboxUnavailableException("no sandbox: running as root needs setpriv (util-linux) under /usr "
                    + "to drop to an unprivileged user; " + INSTALL_HINT);
        }
        String userNamespaceFailure = selfTest(new BubblewrapSandbox(BubblewrapSandbox.Mode.USER_NAMESPACE,
                bwrap, root ? setpriv : null, prlimit, python));
        if (userNamespaceFailure == null) {
            return new BubblewrapSandbox(BubblewrapSandbox.Mode.USER_NAMESPACE, bwrap, root ? setpriv : null,
                    prlimit, python);
        }
        if (!root) {
            throw new SandboxUnavailableException("no sandbox: the bubblewrap self-test failed (" + userNamespaceFailure
                    + "); it needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
                    + "user.max_user_namespaces > 0, no AppArmor/seccomp rule against them), or opt out "
                    + "explicitly with allowUnsandboxed(true)");
        }
        Sandbox privileged = new BubblewrapSandbox(BubblewrapSandbox.Mode.ROOT_DROPS_TO_RUN_UID, bwrap, setpriv,
                prlimit, python);
        String privilegedFailure = selfTest(privileged);
        if (privilegedFailure == null) {
            LOG.log(System.Logger.Level.INFO, "unprivileged user namespaces unavailable (" + userNamespaceFailure
                    + "); using privileged bubblewrap with a per-run uid");
            return privileged;
        }
        throw new SandboxUnavailableException("no sandbox: the bubblewrap self-tests failed, with a user namespace ("
                + userNamespaceFailure + ") and as root without one (" + privilegedFailure + "); a container "
                + "needs user namespaces or CAP_SYS_ADMIN for bubblewrap; or opt out explicitly with "
                + "allowUnsandboxed(true)");
    }

    /** Null when {@code sandbox} passes the self-test, else what went wrong. */
    private static String selfTest(Sandbox sandbox) {
        SandboxLimits limits = SandboxLimits.defaults().withWallTime(Duration.ofSeconds(20))
                .withMaxProcesses(SELF_TEST_PROCESSES);
        Sandbox.Result result = sandbox.run(SELF_TEST, "", limits);
        if (result.exitCode() == 0 && result.stdout().strip().equals("sandbox-ok")) {
            return null;
        }
        String detail = (result.stdout().strip() + " " + result.stderr().strip()).strip();
        return "exit " + result.exitCode() + (detail.isEmpty() ? "" : ": " + abbreviate(detail));
    }

    /**
     * The privileged mode (bubblewrap as root, program on a per-run uid), self-tested; for tests of
     * that mode on machines where {@link #isolated()} picks the user-namespace mode.
     *
     * @throws SandboxUnavailableException when not root or the mode fails its self-test
     */
    public static Sandbox privilegedMode() {
        if (HostTools.realUid() != 0) {
            throw new SandboxUnavailableException("the privileged sandbox mode needs root");
        }
        Path bwrap = HostTools.find("bwrap", "/usr/bin/bwrap").orElseThrow(() -> new SandboxUnavailableException(
                "no bwrap; " + INSTALL_HINT));
        Path prlimit = HostTools.find("prlimit", "/usr/bin/prlimit").filter(p -> p.startsWith("/usr/"))
                .orElseThrow(() -> new SandboxUnavailableException("no prlimit under /usr; " + INSTALL_HINT));
        Path setpriv = HostTools.find("setpriv", "/usr/bin/setpriv").filter(p -> p.startsWith("/usr/"))
                .orElseThrow(() -> new SandboxUnavailableException("no setpriv under /usr; " + INSTALL_HINT));
        Path python = HostTools.sandboxPython().orElseThrow(() -> new SandboxUnavailableException(
                "no python3 under /usr; " + INSTALL_HINT));
        Sandbox sandbox = new BubblewrapSandbox(BubblewrapSandbox.Mode.ROOT_DROPS_TO_RUN_UID, bwrap, setpriv, prlimit,
                python);
        String failure = selfTest(sandbox);
        if (failure != null) {
            throw new SandboxUnavailableException("the privileged sandbox mode failed its self-test: " + failure);
        }
        return sandbox;
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "...";
    }

    /** For reasons and logs: the result of detection without throwing. */
    public static Optional<String> unavailableReason() {
        try {
            isolated();
            return Optional.empty();
        } catch (SandboxUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }
}
