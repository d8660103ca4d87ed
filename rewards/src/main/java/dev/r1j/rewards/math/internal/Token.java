package dev.r1j.rewards.math.internal;

/**
 * One lexical unit of an answer.
 *
 * @param kind what it is
 * @param text its text: the digits of a number, the letter of a variable, a command name without its
 *             backslash, the symbol itself, or an environment name for {@code BEGIN}/{@code END}
 */
public record Token(Kind kind, String text) {

    /** Token kinds. */
    public enum Kind {
        /** Digits with an optional fraction part, possibly in scientific notation. */
        NUMBER,
        /** One letter (a variable, or the constants e and i). */
        LETTER,
        /** A multi-letter word written without a backslash that names a function or constant (sin, sqrt, pi). */
        WORD,
        /** A backslash command, named without the backslash ({@code frac}, {@code pi}, {@code {} for {@code \{}). */
        COMMAND,
        /** An operator or bracket. */
        SYMBOL,
        /** {@code \begin{env}} */
        BEGIN,
        /** {@code \end{env}} */
        END,
        /** End of input. */
        EOF
    }

    public boolean isSymbol(String t) {
        return kind == Kind.SYMBOL && text.equals(t);
    }

    public boolean isCommand(String t) {
        return kind == Kind.COMMAND && text.equals(t);
    }
}
