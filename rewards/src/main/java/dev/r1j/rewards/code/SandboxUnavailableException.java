package dev.r1j.rewards.code;

/** No isolating sandbox can run here, and the caller did not opt out of isolation. */
public final class SandboxUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
        super(message);
    }
}
