package dev.r1j.rl.lora;

import dev.r1j.rl.model.ProjectionAdapter.Projection;
import dev.r1j.rl.model.TransformerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A linear projection of a decoder block that a LoRA adapter can target, under PEFT's module name.
 * Each maps to a slice of one of the model's fused projections ({@link Projection}).
 */
public enum LoraTarget {
    Q_PROJ("q_proj", "self_attn", Projection.QKV),
    K_PROJ("k_proj", "self_attn", Projection.QKV),
    V_PROJ("v_proj", "self_attn", Projection.QKV),
    O_PROJ("o_proj", "self_attn", Projection.OUTPUT),
    GATE_PROJ("gate_proj", "mlp", Projection.GATE_UP),
    UP_PROJ("up_proj", "mlp", Projection.GATE_UP),
    DOWN_PROJ("down_proj", "mlp", Projection.DOWN);

    private final String peftName;
    private final String module;
    private final Projection projection;

    LoraTarget(String peftName, String module, Projection projection) {
        this.peftName = peftName;
        this.module = module;
        this.projection = projection;
    }

    /** The module name PEFT's {@code target_modules} and Hugging Face tensor names use, e.g. {@code q_proj}. */
    public String peftName() {
        return peftName;
    }

    /** The block's sub-module holding it: {@code self_attn} or {@code mlp}. */
    public String module() {
        return module;
    }

    /** The fused projection whose output this target's delta is a slice of. */
    public Projection projection() {
        return projection;
    }

    /** The targets making up {@code projection}'s output columns, in column order. */
    public static List<LoraTarget> of(Projection projection) {
        return Arrays.stream(values()).filter(t -> t.projection == projection).toList();
    }

    /** Input features of this projection in a model of {@code c}. */
    public int inFeatures(TransformerConfig c) {
        return switch (this) {
            case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> c.hiddenSize();
            case O_PROJ -> c.numAttentionHeads() * c.headDim();
            case DOWN_PROJ -> c.intermediateSize();
        };
    }

    /** Output features of this projection in a model of {@code c}. */
    public int outFeatures(TransformerConfig c) {
        return switch (this) {
            case Q_PROJ -> c.numAttentionHeads() * c.headDim();
            case K_PROJ, V_PROJ -> c.numKeyValueHeads() * c.headDim();
            case O_PROJ, DOWN_PROJ -> c.hiddenSize();
            case GATE_PROJ, UP_PROJ -> c.intermediateSize();
        };
    }

    /** The target PEFT calls {@code name}, if r1j has one by that name. */
    public static Optional<LoraTarget> fromPeftName(String name) {
        return Arrays.stream(values()).filter(t -> t.peftName.equals(name)).findFirst();
    }

    /** Every name {@link #fromPeftName} accepts, for messages. */
    public static List<String> peftNames() {
        return Arrays.stream(values()).map(LoraTarget::peftName).toList();
    }
}
