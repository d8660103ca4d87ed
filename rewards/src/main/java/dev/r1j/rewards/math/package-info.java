/**
 * Math answer verification: find the final answer in a model's output and decide whether it is
 * mathematically equivalent to the gold answer.
 *
 * <p>Start with {@link dev.r1j.rewards.math.MathVerifier#defaults()} (evaluation, lenient extraction)
 * or {@link dev.r1j.rewards.math.MathReward#strict()} (RL, explicit answers only). The verifier is
 * pure Java, never evaluates scripts, never throws on model output and gives each verdict a budget
 * of work counted in operations (so verdicts do not depend on how loaded the machine is); its
 * equality rules are listed on {@link dev.r1j.rewards.math.MathVerifier}.
 */
package dev.r1j.rewards.math;
