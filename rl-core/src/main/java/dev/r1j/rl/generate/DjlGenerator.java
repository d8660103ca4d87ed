package dev.r1j.rl.generate;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.util.List;
import java.util.Objects;

/**
 * Batched generation on the DJL engine with a KV cache. Requests larger than {@link #maxBatchSize()}
 * rows run in consecutive batches; results are the same either way.
 */
public final class DjlGenerator implements Generator {

    /** Default rows decoded together: large enough to keep matrix products efficient on a CPU. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;

    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final int maxBatchSize;
    private final DecodingLoop loop;

    public DjlGenerator(CausalLm model, Tokenizer tokenizer) {
        this(model, tokenizer, DEFAULT_MAX_BATCH_SIZE);
    }

    public DjlGenerator(CausalLm model, Tokenizer tokenizer, int maxBatchSize) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max batch size must be >= 1, was " + maxBatchSize);
        }
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new BadInputException("the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocab_size is " + model.config().vocabSize());
        }
        this.maxBatchSize = maxBatchSize;
        // Rows end on the tokenizer's eos and on every eos_token_id of the model's generation_config.json.
        this.loop = new DecodingLoop(model, GenerationConfig.endIds(tokenizer.eosId(), model.origin()),
                tokenizer.padId(), ids -> tokenizer.decode(ids, true));
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    @Override
    public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
        return loop.generate(prompts, n, params, tokenizer, model::checkTokens, model.config().maxPositionEmbeddings(), maxBatchSize);
    }
}
