package dev.r1j.rl.model;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The decoder families whose math r1j implements, by their Hugging Face {@code model_type}. All are
 * the same decoder (RMSNorm, grouped-query attention with rotary positions, SwiGLU MLP); a family fixes
 * only the pieces listed here: which projections carry a bias, whether queries and keys are normalised
 * per head, how a sliding window is switched on, and defaults of absent {@code config.json} fields.
 * Rotary scaling ({@link RopeScaling}) is available to every family.
 */
public enum ModelFamily {
    /** Qwen2: q/k/v projections always have a bias, the output projection never does. */
    QWEN2("qwen2", "Qwen2ForCausalLM", 32768, 0, AttentionBias.QKV_ALWAYS, false, false, SlidingWindow.USE_FLAG),
    /** Llama: {@code attention_bias} puts a bias on q/k/v/o alike, {@code mlp_bias} on the MLP. */
    LLAMA("llama", "LlamaForCausalLM", 2048, 0, AttentionBias.CONFIGURED, true, false, SlidingWindow.NONE),
    /**
     * Qwen3 (dense): RMSNorm over each query and key head ({@code q_norm}, {@code k_norm}) before the
     * rotary embedding, {@code attention_bias} on q/k/v/o (false by default), no MLP bias, and a
     * {@code head_dim} of its own (128 when absent, as transformers' {@code Qwen3Config} has it).
     */
    QWEN3("qwen3", "Qwen3ForCausalLM", 32768, 128, AttentionBias.CONFIGURED, false, true, SlidingWindow.USE_FLAG),
    /**
     * Mistral: no biases, and {@code sliding_window} (4096 when absent, as in transformers'
     * {@code MistralConfig}; null for full attention): a query sees only the last {@code sliding_window}
     * positions, itself included.
     */
    MISTRAL("mistral", "MistralForCausalLM", 131072, 0, AttentionBias.NONE, false, false, SlidingWindow.ALWAYS);

    /** Which attention projections carry a bias. */
    enum AttentionBias {
        /** q/k/v always, o never (Qwen2). */
        QKV_ALWAYS,
        /** q/k/v/o when {@code attention_bias} is true. */
        CONFIGURED,
        /** Never. */
        NONE
    }

    /** How {@code config.json} switches sliding-window attention on. */
    enum SlidingWindow {
        /** Never used. */
        NONE,
        /**
         * Only with {@code use_sliding_window: true}, and then per layer from {@code max_window_layers}
         * on: r1j refuses that form.
         */
        USE_FLAG,
        /** {@code sliding_window} itself: a number switches it on for every layer, null switches it off. */
        ALWAYS
    }

    private final String modelType;
    private final String architecture;
    private final int defaultMaxPositions;
    private final int defaultHeadDim;
    private final AttentionBias attentionBias;
    private final boolean mlpBiasConfigurable;
    private final boolean queryKeyNorm;
    private final SlidingWindow slidingWindow;

    ModelFamily(String modelType, String architecture, int defaultMaxPositions, int defaultHeadDim,
                AttentionBias attentionBias, boolean mlpBiasConfigurable, boolean queryKeyNorm, SlidingWindow slidingWindow) {
        this.modelType = modelType;
        this.architecture = architecture;
        this.defaultMaxPositions = defaultMaxPositions;
        this.defaultHeadDim = defaultHeadDim;
        this.attentionBias = attentionBias;
        this.mlpBiasConfigurable = mlpBiasConfigurable;
        this.queryKeyNorm = queryKeyNorm;
        this.slidingWindow = slidingWindow;
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

    /** {@code head_dim} when {@code config.json} has none: fixed for Qwen3, hidden / heads for the others. */
    public int defaultHeadDim(int hiddenSize, int numAttentionHeads) {
        return defaultHeadDim > 0 ? defaultHeadDim : (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0);
    }

    /** Whether {@code head_dim} has a fixed default (so hidden_size need not divide by the heads). */
    boolean hasFixedDefaultHeadDim() {
        return defaultHeadDim > 0;
    }

    /** Whether {@code attention_bias} means anything for this family. */
    public boolean readsAttentionBias() {
        return attentionBias == AttentionBias.CONFIGURED;
    }

    /** Whether {@code mlp_bias} means anything for this family. */
    public boolean readsMlpBias() {
        return mlpBiasConfigurable;
    }

    /** Whether the q, k and v projections carry a bias, given {@code attention_bias}. */
    public boolean qkvBias(boolean attentionBiasField) {
        return attentionBias == AttentionBias.QKV_ALWAYS || (attentionBias == AttentionBias.CONFIGURED && attentionBiasField);
    }

    /** Whether the attention output projection carries a bias, given {@code attention_bias}. */
    public boolean outputProjectionBias(boolean attentionBiasField) {
        return attentionBias == AttentionBias.CONFIGURED && attentionBiasField;
    }

    /** Whether the MLP projections carry a bias, given {@code mlp_bias}. */
    public boolean mlpBias(boolean mlpBiasField) {
        return mlpBiasConfigurable && mlpBiasField;
    }

    /** Whether each query and key head is RMS-normalised (weights {@code q_norm}, {@code k_norm}) before RoPE. */
    public boolean queryKeyNorm() {
        return queryKeyNorm;
    }

    /** Whether {@code sliding_window} itself sets the attention window (rather than being inert). */
    public boolean readsSlidingWindow() {
        return slidingWindow == SlidingWindow.ALWAYS;
    }

    /** Whether {@code use_sliding_window} is the switch (Qwen's per-layer form, which r1j refuses when on). */
    boolean slidingWindowBehindFlag() {
        return slidingWindow == SlidingWindow.USE_FLAG;
    }

    /** The family named by a {@code model_type}, if it is one r1j implements. */
    public static Optional<ModelFamily> fromModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
    }

    /** The model types r1j implements, for messages: {@code qwen2, llama, qwen3, mistral}. */
    public static String supportedModelTypes() {
        return Arrays.stream(values()).map(ModelFamily::modelType).collect(Collectors.joining(", "));
    }
}
