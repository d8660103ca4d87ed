package dev.r1j.rl.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Settings of a LoRA adapter (Hu et al. 2021) as PEFT names them. Immutable; build with
 * {@link #builder()}, which starts from the defaults below. The constructor checks every rule in one
 * place and reports all that are broken, each naming its field as a config file spells it.
 *
 * <p>Each targeted projection {@code W} [out, in] becomes {@code W + (alpha / rank) B A} with
 * {@code A} [rank, in] and {@code B} [out, rank]; only A and B are trained.
 *
 * @param rank          r, the adapter's inner dimension (> 0); default 16
 * @param alpha         scaling numerator: the delta is scaled by alpha / rank (> 0); default 2 x rank
 * @param dropout       dropout on the adapter's input during training, PEFT's {@code lora_dropout}, in
 *                      [0, 1); r1j does not implement it, so training refuses values above 0
 *                      ({@link #checkTrainable}); adapters trained elsewhere with dropout load and run
 *                      unchanged (dropout is off at inference); default 0
 * @param targetModules the projections that get an adapter (not empty); default all seven of
 *                      {@code q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj}
 */
public record LoraConfig(int rank, double alpha, double dropout, Set<LoraTarget> targetModules) {

    public LoraConfig {
        List<String> broken = new ArrayList<>();
        if (rank <= 0) {
            broken.add("rank must be > 0, was " + rank);
        }
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            broken.add("alpha must be a positive number, was " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            broken.add("dropout must be in [0, 1), was " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            broken.add("target_modules must name at least one of " + LoraTarget.peftNames());
        }
        if (!broken.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", broken));
        }
        targetModules = Collections.unmodifiableSet(EnumSet.copyOf(targetModules));
    }

    /** The factor applied to {@code B A}: alpha / rank. */
    public double scale() {
        return alpha / rank;
    }

    /** Whether {@code target} gets an adapter. */
    public boolean targets(LoraTarget target) {
        return targetModules.contains(target);
    }

    /**
     * Checks that an adapter with these settings can be trained by r1j.
     *
     * @throws IllegalArgumentException naming {@code dropout} when it is above 0
     */
    public void checkTrainable() {
        if (dropout > 0) {
            throw new IllegalArgumentException("dropout must be 0 for training: r1j does not implement LoRA dropout, was "
                    + dropout);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().rank(rank).alpha(alpha).dropout(dropout).targetModules(targetModules);
    }

    /** Starts from the defaults; {@code alpha} follows the rank (2 x rank) unless set. */
    public static final class Builder {
        private int rank = 16;
        private Double alpha;
        private double dropout = 0;
        private Set<LoraTarget> targetModules = EnumSet.allOf(LoraTarget.class);

        public Builder rank(int v) {
            rank = v;
            return this;
        }

        public Builder alpha(double v) {
            alpha = v;
            return this;
        }

        public Builder dropout(double v) {
            dropout = v;
            return this;
        }

        public Builder targetModules(Collection<LoraTarget> v) {
            targetModules = v == null || v.isEmpty() ? EnumSet.noneOf(LoraTarget.class) : EnumSet.copyOf(v);
            return this;
        }

        /** @throws IllegalArgumentException listing every broken rule, each naming its field */
        public LoraConfig build() {
            return new LoraConfig(rank, alpha != null ? alpha : 2.0 * rank, dropout, targetModules);
        }
    }
}
