package dev.r1j.rl.generate;

import java.util.List;

/**
 * How to sample continuations. Immutable; build with {@link #builder()}.
 *
 * @param maxNewTokens most tokens to generate per prompt; default 128; must be >= 1
 * @param temperature  logits are divided by this before sampling; 0 means greedy (argmax); default 1.0;
 *                     must be >= 0
 * @param topK         keep only the k most likely tokens; 0 disables; default 0; must be >= 0
 * @param topP         nucleus sampling: keep the smallest set of most likely tokens whose probability
 *                     reaches p; 1.0 disables; default 1.0; must be in (0, 1]
 * @param minP         keep only tokens whose probability is at least this fraction of the most likely
 *                     token's; 0 disables; default 0; must be in [0, 1]. Top-k, top-p and min-p each
 *                     keep a prefix of the tokens sorted by probability (all measured on the whole
 *                     temperature-scaled distribution); the shortest prefix is kept
 * @param seed         seeds the sampler; the same seed, model and prompts give the same completions,
 *                     whatever the batch size, because every prompt index has its own random stream;
 *                     default 0
 * @param stopStrings  generation of a row stops when its text contains one of these; the text is cut
 *                     before it; default none
 * @param eosTokenIds  token ids that end a row (finish reason EOS), besides the tokenizer's
 *                     end-of-sequence token and the {@code eos_token_id}s of the model directory's
 *                     {@code generation_config.json}; default none; each must be >= 0
 */
public record SamplingParams(int maxNewTokens, double temperature, int topK, double topP, double minP, long seed,
                             List<String> stopStrings, List<Integer> eosTokenIds) {

    public SamplingParams {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, was " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0 = greedy), was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1] (1 = off), was " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1] (0 = off), was " + minP);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        for (int id : eosTokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("eos token ids must be >= 0, was " + id);
            }
        }
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static SamplingParams greedy(int maxNewTokens) {
        return builder().temperature(0).maxNewTokens(maxNewTokens).build();
    }

    public boolean greedy() {
        return temperature == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxNewTokens(maxNewTokens).temperature(temperature).topK(topK).topP(topP).minP(minP).seed(seed)
                .stopStrings(stopStrings).eosTokenIds(eosTokenIds);
    }

    /** Builder with the defaults documented on {@link SamplingParams}. */
    public static final class Builder {
        private int maxNewTokens = 128;
        private double temperature = 1.0;
        private int topK = 0;
        private double topP = 1.0;
        private double minP = 0;
        private long seed = 0;
        private List<String> stopStrings = List.of();
        private List<Integer> eosTokenIds = List.of();

        private Builder() {}

        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder minP(double v) { minP = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder stopStrings(List<String> v) { stopStrings = v; return this; }
        public Builder eosTokenIds(List<Integer> v) { eosTokenIds = v; return this; }

        public SamplingParams build() {
            return new SamplingParams(maxNewTokens, temperature, topK, topP, minP, seed, stopStrings, eosTokenIds);
        }
    }
}
