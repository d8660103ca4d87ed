package dev.r1j.rewards;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A weighted sum of named rewards: {@code score = Σ weight_i · score_i}. Every component's raw score
 * is kept in {@link RewardResult#components()} so that each can be logged on its own; {@code correct}
 * and {@code extracted} come from the component marked as the correctness judge. A component that
 * throws (a bug, never model output) scores 0 with the exception in the reason instead of failing
 * the batch.
 */
public final class WeightedReward implements Reward {

    private record Part(String name, double weight, Reward reward) {}

    private final List<Part> parts;
    private final String judge;
    private final String name;

    private WeightedReward(List<Part> parts, String judge, String name) {
        this.parts = List.copyOf(parts);
        this.judge = judge;
        this.name = name;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        Map<String, Double> components = new LinkedHashMap<>();
        double total = 0;
        boolean correct = false;
        String extracted = "";
        StringBuilder reasons = new StringBuilder();
        for (Part p : parts) {
            RewardResult r = ParallelScorer.safely(p.reward(), problem, completion);
            components.put(p.name(), r.score());
            total += p.weight() * r.score();
            if (p.name().equals(judge)) {
                correct = r.correct();
                extracted = r.extracted();
            }
            reasons.append(reasons.length() == 0 ? "" : "; ").append(p.name()).append(": ").append(r.reason());
        }
        return new RewardResult(total, correct, extracted, reasons.toString(), components);
    }

    @Override
    public String name() {
        return name;
    }

    /** Builds a {@link WeightedReward}; the first component is the correctness judge unless one is named. */
    public static final class Builder {
        private final List<Part> parts = new ArrayList<>();
        private String judge;
        private String name = "reward";

        private Builder() {}

        /** Adds a component under {@code name} (unique) with {@code weight} (finite). */
        public Builder add(String name, double weight, Reward reward) {
            Objects.requireNonNull(reward, "reward");
            if (name == null || name.isBlank() || parts.stream().anyMatch(p -> p.name().equals(name))) {
                throw new IllegalArgumentException("component names must be unique and non-blank, got '" + name + "'");
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("weight of '" + name + "' must be finite, was " + weight);
            }
            parts.add(new Part(name, weight, reward));
            return this;
        }

        /** Names the component whose verdict is {@code correct}. */
        public Builder judge(String componentName) {
            this.judge = componentName;
            return this;
        }

        /** The name under which the total is logged; default "reward". */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public WeightedReward build() {
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a weighted reward needs at least one component");
            }
            String j = judge == null ? parts.get(0).name() : judge;
            if (parts.stream().noneMatch(p -> p.name().equals(j))) {
                throw new IllegalArgumentException("judge '" + j + "' is not one of the components");
            }
            return new WeightedReward(parts, j, name);
        }
    }
}
