package dev.r1j.rewards.code;

/**
 * No sandbox can be used on this machine (bubblewrap missing, or it failed its self-test), and the
 * caller did not opt out of sandboxing. The message says what failed and how to fix it.
 */
public class SandboxUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
        super(message);
    }
}
