package dev.r1j.rewards.math.internal;

/**
 * Thrown by the lexer and parser when text is not a well-formed answer (or nests too deeply). It is
 * an expected outcome on model output, so it carries no stack trace, which keeps failures cheap.
 */
public final class ParseFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ParseFailure(String message) {
        super(message, null, false, false);
    }
}
