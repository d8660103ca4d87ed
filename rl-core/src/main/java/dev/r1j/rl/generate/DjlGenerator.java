package dev.r1j.rl.generate;

import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.generate.internal.DecodingLoop;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.util.ArrayList;
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
        this.loop = new DecodingLoop(model, tokenizer.eosId(), tokenizer.padId(), ids -> tokenizer.decode(ids, true));
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    @Override
    public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
        if (n < 1) {
            throw new IllegalArgumentException("completions per prompt must be >= 1, was " + n);
        }
        int maxPositions = model.config().maxPositionEmbeddings();
        List<int[]> encoded = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String text = prompts.get(i);
            if (text == null || text.isEmpty()) {
                throw new BadInputException("prompt " + i + " is empty");
            }
            int[] ids = tokenizer.encode(text);
            model.checkTokens(ids, "prompt " + i);
            if (ids.length + params.maxNewTokens() > maxPositions) {
                throw new BadInputException("prompt " + i + " has " + ids.length + " tokens; with max_new_tokens "
                        + params.maxNewTokens() + " it needs " + (ids.length + params.maxNewTokens())
                        + " positions, more than the model's max_position_embeddings " + maxPositions);
            }
            encoded.add(ids);
        }
        int rows = encoded.size() * n;
        List<Completion> out = new ArrayList<>(rows);
        for (int start = 0; start < rows; start += maxBatchSize) {
            int end = Math.min(rows, start + maxBatchSize);
            List<int[]> batch = new ArrayList<>(end - start);
            long[] keys = new long[end - start];
            int[] promptIndex = new int[end - start];
            for (int row = start; row < end; row++) {
                batch.add(encoded.get(row / n));
                keys[row - start] = row;
                promptIndex[row - start] = row / n;
            }
            out.addAll(loop.run(batch, keys, promptIndex, params));
        }
        return out;
    }
}
