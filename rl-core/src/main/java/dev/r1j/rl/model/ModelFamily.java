package dev.r1j.rl.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * The decoder families whose math r1j implements, by their Hugging Face {@code model_type}.
 * They differ only in defaults and in which projections carry a bias.
 */
public enum ModelFamily {
    /** Qwen2: q/k/v projections always have a bias, the output projection never does. */
    QWEN2("qwen2", "Qwen2ForCausalLM", 32768),
    /** Llama: {@code attention_bias} puts a bias on q/k/v/o alike, {@code mlp_bias} on the MLP. */
    LLAMA("llama", "LlamaForCausalLM", 2048);

    private final String modelType;
    private final String architecture;
    private final int defaultMaxPositions;

    ModelFamily(String modelType, String architecture, int defaultMaxPositions) {
        this.modelType = modelType;
        this.architecture = architecture;
        this.defaultMaxPositions = defaultMaxPositions;
    }

    /** The {@code model_type} value in {@code config.json}. */
    public String modelType() {
        return modelType;
    }

    /** The {@code architectures[0]} value Hugging Face writes for a causal LM of this family. */
    public String architecture() {
        return architecture;
    }

    int defaultMaxPositions() {
        return defaultMaxPositions;
    }

    /** The family named by a {@code model_type}, if it is one r1j implements. */
    public static Optional<ModelFamily> fromModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
    }
}
