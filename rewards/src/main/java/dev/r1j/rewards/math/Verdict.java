package dev.r1j.rewards.math;

/**
 * The verifier's decision on one completion.
 *
 * @param correct   whether the extracted answer is equivalent to the gold answer
 * @param extracted the answer found in the completion (empty when none was)
 * @param reason    why, for logs
 */
public record Verdict(boolean correct, String extracted, String reason) {}
