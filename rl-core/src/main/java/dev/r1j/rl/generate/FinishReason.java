package dev.r1j.rl.generate;

/** Why a completion ended. */
public enum FinishReason {
    /** The model produced its end-of-sequence token. */
    EOS,
    /** The text reached one of the requested stop strings. */
    STOP_STRING,
    /** The completion reached {@code max_new_tokens} (or the model's longest sequence). */
    LENGTH
}
