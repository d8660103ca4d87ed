package dev.r1j.rl.grpo;

/**
 * How group-relative advantages are scaled after the group mean is subtracted.
 */
public enum AdvantageScaling {
    /**
     * Divide by the standard deviation of the prompt's own group (GRPO, Shao et al. 2024,
     * "DeepSeekMath"). Gives easy and hard prompts equal weight, which Dr. GRPO argues biases learning
     * toward prompts that are nearly always or nearly never solved.
     */
    GROUP_STD,
    /**
     * Divide by the standard deviation of all rewards in the batch (as REINFORCE++, Hu 2025, and TRL's
     * {@code scale_rewards="batch"}): keeps the scale stable without re-weighting prompts.
     */
    BATCH_STD,
    /** No scaling: advantage = reward - group mean (Dr. GRPO, Liu et al. 2025, "Understanding R1-Zero-Like Training"). */
    NONE
}
