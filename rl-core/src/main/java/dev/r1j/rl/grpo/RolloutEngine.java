package dev.r1j.rl.grpo;

/**
 * Where GRPO samples its completions. The trainer always recomputes the log-probabilities it trains on
 * with its own engine; this only chooses who draws the tokens.
 */
public enum RolloutEngine {
    /** The trainer's own DJL engine, on the policy's arrays themselves (no copy, no mismatch beyond rounding). */
    DJL,
    /**
     * ONNX Runtime, on a copy of the policy's current weights handed over before every step (as TRL and
     * verl hand theirs to vLLM); the copy costs the model's float32 size again. Its tokens come from a
     * slightly different computation than the trainer's, which {@link RolloutCorrection} corrects for.
     */
    ONNX_RUNTIME
}
