package dev.r1j.distill.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.r1j.distill.onnx.internal.DecoderGraph;
import dev.r1j.distill.onnx.internal.OrtDecoder;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.GenerationConfig;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.generate.DecodingLoop;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * GRPO's ONNX Runtime rollout engine: samples from a copy of a DJL policy's <em>current</em> weights,
 * as TRL and verl sample from vLLM. The decoder graph is built once, in memory, with the policy's
 * family, sizes and fusions ({@link OnnxExporter}'s graph, except that prefill projects only each row's
 * last position); its weights live in direct buffers that {@link #weightsChanged()} refills tensor by
 * tensor from the policy (with a LoRA adapter, the merged {@code W + (alpha / r) B A}, computed on the
 * engine, never stored or written). Nothing goes to disk and the graph is never exported again.
 *
 * <p>Decoding is the shared loop of {@link dev.r1j.rl.generate.DjlGenerator} (same padding, seeded
 * streams, sampling parameters, finish rules, shared prefill and log-probs), with ONNX Runtime
 * computing the logits: greedy output equals the DJL engine's token for token wherever the two
 * engines' logits do not tie. Every pick, greedy or drawn at any temperature, with or without top-k,
 * top-p and min-p, is made by the graph itself, so a step brings back B ids and log-probs, not [B, V]
 * logits; a draw is the DJL sampler's on the same logits up to float32 rounding of the probabilities
 * and, when truncating, the order of tokens of equal probability.
 *
 * <p>The copy costs {@link #weightBytes()} bytes (float32 of every weight, the fused layout) on top of
 * the policy; with {@link WeightFeed#EXTERNAL_INITIALIZERS} ONNX Runtime also pre-packs the matrices
 * for its kernels in each step's session (about as much again), which makes decoding faster and each
 * hand-over slower (docs/results.md measures both).
 */
public final class OrtRolloutGenerator implements Generator {

    /** The default way weights reach ONNX Runtime (see docs/results.md for the measurement behind it). */
    public static final WeightFeed DEFAULT_FEED = WeightFeed.GRAPH_INPUTS;

    private final CausalLm policy;
    private final Tokenizer tokenizer;
    private final int maxBatchSize;
    private final int threads;
    private final WeightFeed feed;
    private final DecoderGraph.Rollout rollout;
    private final List<Integer> endIds;
    private final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    private OrtDecoder decoder;
    private DecodingLoop loop;

    /** A rollout engine for {@code policy} at the default batch size and weight feed, with ONNX Runtime's default threads. */
    public OrtRolloutGenerator(CausalLm policy, Tokenizer tokenizer) {
        this(policy, tokenizer, OrtGenerator.DEFAULT_MAX_BATCH_SIZE, DEFAULT_FEED, 0);
    }

    /**
     * @param maxBatchSize most rows decoded together
     * @param feed         how the weights reach ONNX Runtime
     * @param threads      ONNX Runtime intra-op threads (0: its default)
     */
    public OrtRolloutGenerator(CausalLm policy, Tokenizer tokenizer, int maxBatchSize, WeightFeed feed, int threads) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max batch size must be >= 1, was " + maxBatchSize);
        }
        if (tokenizer.vocabSize() > policy.config().vocabSize()) {
            throw new BadInputException("the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocab_size is " + policy.config().vocabSize());
        }
        this.maxBatchSize = maxBatchSize;
        this.feed = Objects.requireNonNull(feed, "feed");
        this.threads = threads;
        this.endIds = GenerationConfig.endIds(tokenizer.eosId(), policy.origin());
        this.rollout = DecoderGraph.rollout(policy.config(), policy.mergedHfWeights(), feed, Provenance.currentLibraryVersion());
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            for (Map.Entry<String, FloatBuffer> e : rollout.weights().entrySet()) {
                // Zero-copy: the tensor reads the direct buffer that refills write into.
                tensors.put(e.getKey(), OnnxTensor.createTensor(env, e.getValue(), rollout.shapes().get(e.getKey())));
            }
        } catch (OrtException e) {
            close();
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
        openSession();
    }

    /** Bytes of the engine's copy of the weights (float32, every tensor the graph reads). */
    public long weightBytes() {
        return rollout.weightBytes();
    }

    /**
     * Bytes a copy of {@code policy}'s weights costs this engine, before building one: float32 of every
     * weight in the graph's fused layout (with LoRA, the merged matrices; qwen3's q/k norm gains repeated
     * per head; the rotary tables are constants of the graph and not counted).
     */
    public static long weightBytes(dev.r1j.rl.model.TransformerConfig config) {
        return DecoderGraph.rolloutWeightBytes(config);
    }

    /** How the weights reach ONNX Runtime. */
    public WeightFeed feed() {
        return feed;
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    /**
     * Copies the policy's current weights into the engine: the buffers are refilled in place; with
     * external initializers a new session is built on them (ONNX Runtime reads initializers once, at
     * session creation), with graph inputs the same session reads them at the next run.
     */
    @Override
    public void weightsChanged() {
        DecoderGraph.refill(policy.config(), policy.mergedHfWeights(), rollout);
        if (feed == WeightFeed.EXTERNAL_INITIALIZERS) {
            openSession();
        }
    }

    private void openSession() {
        // The old session goes first: with external initializers each holds its own pre-packed copy of
        // the weights, and two at once would double that at the peak.
        if (decoder != null) {
            decoder.close();
            decoder = null;
            loop = null;
        }
        boolean inputs = feed == WeightFeed.GRAPH_INPUTS;
        decoder = OrtDecoder.inMemory("rollout graph of the policy", rollout.model(), inputs ? Map.of() : tensors,
                inputs ? tensors : Map.of(), threads);
        loop = new DecodingLoop(decoder.backend(), endIds, tokenizer.padId(), ids -> tokenizer.decode(ids, true));
    }

    @Override
    public List<Completion> generate(List<String> prompts, int n, SamplingParams params) {
        if (loop == null) {
            throw new IllegalStateException("the rollout engine has no session: rebuilding it after the last weight "
                    + "hand-over failed (see that error)");
        }
        return loop.generate(prompts, n, params, tokenizer, policy::checkTokens, policy.config().maxPositionEmbeddings(),
                maxBatchSize);
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
        tensors.values().forEach(OnnxTensor::close);
        tensors.clear();
    }
}
