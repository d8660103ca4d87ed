package dev.r1j.distill.onnx;

import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.GenerationConfig;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Batched generation on ONNX Runtime: for models exported by {@link OnnxExporter}, and for decoders
 * exported elsewhere with Hugging Face Optimum ("with past"), such as a large teacher whose
 * architecture r1j's own engine does not load.
 *
 * <p>It runs the same decoding loop as {@link dev.r1j.rl.generate.DjlGenerator}: prompts left-padded,
 * the key/value cache carried between steps, each (prompt, sample) pair with its own seeded random
 * stream, the same finish rules (EOS, stop strings, length) and log-probabilities. So greedy output is
 * the DJL output token for token, and sampled output is too wherever the two engines' logits agree
 * closely enough not to change a draw. Requests larger than {@link #maxBatchSize()} rows run in
 * consecutive batches; results are the same either way.
 */
public final class OrtGenerator implements Generator {

    /** Default rows decoded together, as for the DJL generator. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;

    private final OnnxModel model;
    private final Tokenizer tokenizer;
    private final int maxBatchSize;
    private final DecodingLoop loop;

    /** A generator over {@code model} with its own tokenizer. The model stays open when this closes. */
    public OrtGenerator(OnnxModel model) {
        this(model, DEFAULT_MAX_BATCH_SIZE);
    }

    /**
     * A generator decoding at most {@code maxBatchSize} rows together: larger batches use the cores
     * better, smaller ones bound the key/value cache's memory (rows x layers x 2 x kv_heads x positions
     * x head_dim floats).
     */
    public OrtGenerator(OnnxModel model, int maxBatchSize) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = model.tokenizer();
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max batch size must be >= 1, was " + maxBatchSize);
        }
        this.maxBatchSize = maxBatchSize;
        // Rows end on the tokenizer's eos and on every eos_token_id of the model's generation_config.json.
        this.loop = new DecodingLoop(model.backend(),
                GenerationConfig.endIds(tokenizer.eosId(), Optional.of(model.directory())), tokenizer.padId(),
                ids -> tokenizer.decode(ids, true));
    }

    /** Most rows decoded together. */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    @Override
    public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
        return loop.generate(prompts, n, params, tokenizer, model::checkTokens, model.maxPositions(), maxBatchSize);
    }
}
