package dev.r1j.rl.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Settings of a decoder of one of the {@link ModelFamily families} r1j implements ({@code model_type}
 * {@code qwen2}, {@code llama}, {@code qwen3}, {@code mistral}), with Hugging Face {@code config.json}
 * field names so that real checkpoints load unchanged. Immutable; build one with {@link #builder()} or
 * read one with {@link #read(Path)}. The record's invariants are checked in the constructor, and what
 * {@code config.json} may hold beyond them in {@link #fromJson}, both with messages that state the rule.
 *
 * <p>Reading refuses, naming the field and what is supported, anything that would change the math in
 * a way r1j does not implement: another {@code model_type}, {@code hidden_act} other than {@code silu},
 * {@code rope_scaling} types other than {@value RopeScaling#SUPPORTED}, partial rotary factors,
 * attention dropout, and Qwen's per-layer sliding window ({@code use_sliding_window: true}, or
 * {@code layer_types} with sliding layers).
 *
 * @param family                which decoder family ({@code model_type}); decides which projections have
 *                              biases, whether q/k are normalised per head, and defaults of absent fields
 * @param vocabSize             {@code vocab_size}: rows of the embedding and of the output head
 * @param hiddenSize            {@code hidden_size}: width of the residual stream
 * @param intermediateSize      {@code intermediate_size}: width of the SwiGLU MLP
 * @param numHiddenLayers       {@code num_hidden_layers}: decoder blocks
 * @param numAttentionHeads     {@code num_attention_heads}: query heads
 * @param numKeyValueHeads      {@code num_key_value_heads}: key/value heads (grouped-query attention when fewer
 *                              than the query heads); default: {@code num_attention_heads}
 * @param headDim               {@code head_dim}; default {@code hidden_size / num_attention_heads} (reading a qwen3
 *                              {@code config.json} without it: 128, as transformers does); must be even (RoPE).
 *                              It may differ from hidden / heads (Qwen3-0.6B: 1024 / 16 heads, head_dim 128).
 * @param ropeTheta             {@code rope_theta}: base of the rotary frequencies; default 10000
 * @param ropeScaling           {@code rope_scaling} (or {@code rope_parameters}): how the rotary frequencies are
 *                              rescaled for long contexts; default {@link RopeScaling#NONE}, never null
 * @param rmsNormEps            {@code rms_norm_eps}; default 1e-6 (also the epsilon of qwen3's q/k norms)
 * @param maxPositionEmbeddings {@code max_position_embeddings}: the longest sequence the model accepts;
 *                              default 32768 (qwen2, qwen3), 2048 (llama) or 131072 (mistral)
 * @param slidingWindow         {@code sliding_window} (mistral only): a query attends to at most this many
 *                              positions, itself included; 0 for full attention (JSON null). Reading a mistral
 *                              {@code config.json} without the field gives 4096, as transformers does; the
 *                              builder's default is 0. Qwen's inert {@code sliding_window} stays in {@code extra}.
 * @param tieWordEmbeddings     {@code tie_word_embeddings}: the output head reuses the embedding matrix; default false
 * @param attentionBias         {@code attention_bias} (llama, qwen3): bias on q/k/v/o; default false. Must be false
 *                              for the other families: Qwen2 always has q/k/v biases and never an o bias,
 *                              Mistral has none.
 * @param mlpBias               {@code mlp_bias} (llama only): bias on gate/up/down; default false; must be false
 *                              for the other families
 * @param bosTokenId            {@code bos_token_id}, or -1 when absent
 * @param eosTokenId            {@code eos_token_id} (the first one when a list), or -1 when absent
 * @param padTokenId            {@code pad_token_id}, or -1 when absent
 * @param extra                 fields r1j does not interpret but keeps, so that a round trip loses nothing
 */
public record TransformerConfig(
        ModelFamily family,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double ropeTheta,
        RopeScaling ropeScaling,
        double rmsNormEps,
        int maxPositionEmbeddings,
        int slidingWindow,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        int bosTokenId,
        int eosTokenId,
        int padTokenId,
        Map<String, Object> extra) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code sliding_window} of a mistral {@code config.json} that has none (transformers' MistralConfig default). */
    static final int MISTRAL_DEFAULT_SLIDING_WINDOW = 4096;

    /** Fields that r1j reads; everything else is kept in {@link #extra()} (after the math checks below). */
    private static final Set<String> INTERPRETED = Set.of(
            "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rope_theta", "rms_norm_eps",
            "max_position_embeddings", "tie_word_embeddings", "attention_bias", "mlp_bias", "bos_token_id",
            "eos_token_id", "pad_token_id", "hidden_act", "rope_scaling", "use_sliding_window", "sliding_window",
            "attention_dropout", "partial_rotary_factor", "architectures", "rope_parameters", "torch_dtype");

    public TransformerConfig {
        if (family == null) {
            throw new IllegalArgumentException("model family must be given (model_type " + ModelFamily.supportedModelTypes() + ")");
        }
        ropeScaling = ropeScaling == null ? RopeScaling.NONE : ropeScaling;
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, was " + headDim);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a positive finite number, was " + ropeTheta);
        }
        if (!(rmsNormEps > 0) || rmsNormEps >= 1) {
            throw new IllegalArgumentException("rms_norm_eps must be in (0, 1), was " + rmsNormEps);
        }
        if (slidingWindow < 0) {
            throw new IllegalArgumentException("sliding_window must be a positive integer, or null (0 here) for full "
                    + "attention, was " + slidingWindow);
        }
        if (slidingWindow > 0 && !family.readsSlidingWindow()) {
            throw new IllegalArgumentException("sliding_window applies to mistral only; " + family.modelType()
                    + " attends to every earlier position (Qwen's per-layer window is not implemented)");
        }
        if (attentionBias && !family.readsAttentionBias()) {
            throw new IllegalArgumentException("attention_bias applies to llama and qwen3 only; " + family.modelType()
                    + (family == ModelFamily.QWEN2 ? " always has q/k/v biases and no output bias" : " has no attention biases"));
        }
        if (mlpBias && !family.readsMlpBias()) {
            throw new IllegalArgumentException("mlp_bias applies to llama only; the " + family.modelType() + " MLP has no bias");
        }
        // Special ids are not checked against vocab_size: Hugging Face configs of shrunken test models
        // often keep the ids of the full vocabulary, and the tokenizer is the authority on them.
        for (int id : new int[] {bosTokenId, eosTokenId, padTokenId}) {
            if (id < -1) {
                throw new IllegalArgumentException("special token ids must be -1 (absent) or >= 0, was " + id);
            }
        }
        extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /**
     * The constructor of the fields this record had before rotary scaling and sliding windows: no
     * scaling, full attention. Kept so that code written against it still compiles.
     */
    public TransformerConfig(ModelFamily family, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int numKeyValueHeads, int headDim, double ropeTheta, double rmsNormEps,
                             int maxPositionEmbeddings, boolean tieWordEmbeddings, boolean attentionBias, boolean mlpBias,
                             int bosTokenId, int eosTokenId, int padTokenId, Map<String, Object> extra) {
        this(family, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                ropeTheta, RopeScaling.NONE, rmsNormEps, maxPositionEmbeddings, 0, tieWordEmbeddings, attentionBias, mlpBias,
                bosTokenId, eosTokenId, padTokenId, extra);
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be a positive integer, was " + value);
        }
    }

    /** Whether the q, k and v projections carry a bias. */
    public boolean qkvBias() {
        return family.qkvBias(attentionBias);
    }

    /** Whether the attention output projection carries a bias. */
    public boolean outputProjectionBias() {
        return family.outputProjectionBias(attentionBias);
    }

    /** Whether each query and key head is RMS-normalised before the rotary embedding (qwen3's q_norm/k_norm). */
    public boolean queryKeyNorm() {
        return family.queryKeyNorm();
    }

    /** Whether attention is limited to the last {@link #slidingWindow()} positions. */
    public boolean hasSlidingWindow() {
        return slidingWindow > 0;
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /**
     * The Hugging Face tensor names and shapes ({@code [out, in]} for a linear layer's weight) a
     * checkpoint of this config holds, in the order r1j writes them: what loaders check a checkpoint
     * against and what exporters read from a {@link HostWeights} source.
     */
    public Map<String, long[]> hfShapes() {
        return DecoderWeights.hfShapes(this);
    }

    /** Number of trainable parameters (a tied output head is counted once). */
    public long parameterCount() {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long perLayer = h * (q + 2 * kv) + (qkvBias() ? q + 2 * kv : 0)
                + q * h + (outputProjectionBias() ? h : 0)
                + 3 * h * intermediateSize + (mlpBias ? 2L * intermediateSize + h : 0)
                + 2 * h + (queryKeyNorm() ? 2L * headDim : 0);
        return (long) vocabSize * h * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * perLayer + h;
    }

    /**
     * Forward-pass FLOPs for one token that attends to {@code contextLength} positions: 2 per
     * multiply-add of every weight matrix (the embedding lookup is free, the output head is not) plus
     * the attention scores and the weighted sum of values (2 * 2 * heads * head_dim per attended key).
     * A training step costs three times this (forward, and backward for activations and weights).
     */
    public long forwardFlopsPerToken(int contextLength) {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long matmulWeightsPerLayer = h * (q + 2 * kv) + q * h + 3 * h * intermediateSize;
        long weights = numHiddenLayers * matmulWeightsPerLayer + (long) vocabSize * h;
        long attention = 4L * numHiddenLayers * q * contextLength;
        return 2 * weights + attention;
    }

    // ---------------------------------------------------------------------------------------------
    // config.json

    /** Reads {@code config.json} (or the {@code config.json} inside a model directory). */
    public static TransformerConfig read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file (a model directory needs config.json)");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        }
        return fromJson(text, file);
    }

    /** Parses the text of a {@code config.json}; {@code source} names it in error messages (may be null). */
    public static TransformerConfig fromJson(String json, Path source) {
        JsonNode root = dev.r1j.rl.io.JsonObjects.parse(json, source);
        Fields f = new Fields(root, source);
        String modelType = f.requiredText("model_type");
        ModelFamily family = ModelFamily.fromModelType(modelType).orElseThrow(() -> BadInputException.at(source, 0,
                "model_type", "'" + modelType + "' is not supported; r1j implements " + ModelFamily.supportedModelTypes()));
        f.rejectUnlessDefault("hidden_act", "silu", "the MLP activation must be silu (SwiGLU), the only one r1j implements");
        f.rejectUnlessDefault("partial_rotary_factor", 1.0, "rotary embeddings must cover the whole head");
        double ropeTheta = f.optionalDouble("rope_theta", 10000.0);
        RopeScaling ropeScaling = RopeScalingReader.read(root.get("rope_scaling"), source, "rope_scaling");
        // Newer Hugging Face releases move rope_theta and the scaling into rope_parameters.
        JsonNode ropeParameters = root.get("rope_parameters");
        if (ropeParameters != null && !ropeParameters.isNull()) {
            RopeScaling fromParameters = RopeScalingReader.read(ropeParameters.has("rope_type") || ropeParameters.has("type")
                    ? ropeParameters : null, source, "rope_parameters");
            if (ropeScaling != RopeScaling.NONE && fromParameters != RopeScaling.NONE && !ropeScaling.equals(fromParameters)) {
                throw BadInputException.at(source, 0, "rope_parameters", "and rope_scaling describe different rotary "
                        + "scalings; give one of them");
            }
            if (fromParameters != RopeScaling.NONE) {
                ropeScaling = fromParameters;
            }
            JsonNode partial = ropeParameters.get("partial_rotary_factor");
            if (partial != null && !partial.isNull() && !(partial.isNumber() && partial.asDouble() == 1.0)) {
                throw BadInputException.at(source, 0, "rope_parameters.partial_rotary_factor", "is " + partial
                        + ", but rotary embeddings must cover the whole head");
            }
            JsonNode theta = ropeParameters.get("rope_theta");
            if (theta != null && theta.isNumber()) {
                ropeTheta = theta.asDouble();
            }
        }
        if (root.has("attention_dropout") && root.get("attention_dropout").asDouble(0) != 0) {
            throw BadInputException.at(source, 0, "attention_dropout", "is " + root.get("attention_dropout")
                    + "; r1j trains without dropout, so it must be 0");
        }
        if (family.slidingWindowBehindFlag() && root.path("use_sliding_window").asBoolean(false)) {
            throw BadInputException.at(source, 0, "use_sliding_window", "is true: " + modelType + "'s per-layer "
                    + "sliding-window attention is not implemented (r1j implements the window of model_type mistral)");
        }
        JsonNode layerTypes = root.get("layer_types");
        if (!family.readsSlidingWindow() && layerTypes != null && layerTypes.isArray()) {
            for (int i = 0; i < layerTypes.size(); i++) {
                if (!layerTypes.get(i).asText().equals("full_attention")) {
                    throw BadInputException.at(source, 0, "layer_types", "layer " + i + " is " + layerTypes.get(i)
                            + "; r1j implements only full_attention layers for " + modelType);
                }
            }
        }
        int slidingWindow = 0;
        if (family.readsSlidingWindow()) {
            JsonNode w = root.get("sliding_window");
            if (w == null) {
                slidingWindow = MISTRAL_DEFAULT_SLIDING_WINDOW;
            } else if (!w.isNull()) {
                slidingWindow = f.optionalInt("sliding_window", 0);
                if (slidingWindow <= 0) {
                    throw BadInputException.at(source, 0, "sliding_window", "must be a positive integer, or null for "
                            + "full attention, was " + w);
                }
            }
        }
        int heads = f.requiredInt("num_attention_heads");
        int hidden = f.requiredInt("hidden_size");
        if (!root.hasNonNull("head_dim") && !family.hasFixedDefaultHeadDim() && heads > 0 && hidden % heads != 0) {
            throw BadInputException.at(source, 0, "hidden_size", "must be a multiple of num_attention_heads ("
                    + heads + ") when head_dim is not given, was " + hidden);
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!INTERPRETED.contains(e.getKey())) {
                extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
        }
        for (String k : new String[] {"sliding_window", "attention_dropout", "use_sliding_window"}) {
            if (root.has(k) && !(k.equals("sliding_window") && family.readsSlidingWindow())) {
                extra.put(k, JSON.convertValue(root.get(k), Object.class));
            }
        }
        try {
            return new TransformerConfig(
                    family,
                    f.requiredInt("vocab_size"),
                    hidden,
                    f.requiredInt("intermediate_size"),
                    f.requiredInt("num_hidden_layers"),
                    heads,
                    f.optionalInt("num_key_value_heads", heads),
                    f.optionalInt("head_dim", family.defaultHeadDim(hidden, heads)),
                    ropeTheta,
                    ropeScaling,
                    f.optionalDouble("rms_norm_eps", 1e-6),
                    f.optionalInt("max_position_embeddings", family.defaultMaxPositions()),
                    slidingWindow,
                    f.optionalBoolean("tie_word_embeddings", false),
                    family.readsAttentionBias() && f.optionalBoolean("attention_bias", false),
                    family.readsMlpBias() && f.optionalBoolean("mlp_bias", false),
                    f.tokenId("bos_token_id"),
                    f.tokenId("eos_token_id"),
                    f.tokenId("pad_token_id"),
                    extra);
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw BadInputException.at(source, 0, null, e.getMessage());
        }
    }

    /** This config as {@code config.json} text, Hugging Face field names, extra fields preserved. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(family.architecture());
        o.put("model_type", family.modelType());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("rope_theta", ropeTheta);
        if (ropeScaling != RopeScaling.NONE) {
            o.set("rope_scaling", JSON.valueToTree(ropeScaling.toJson()));
        }
        o.put("rms_norm_eps", rmsNormEps);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        if (family.readsSlidingWindow()) {
            if (slidingWindow > 0) {
                o.put("sliding_window", slidingWindow);
            } else {
                o.putNull("sliding_window");
            }
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (family.readsAttentionBias()) {
            o.put("attention_bias", attentionBias);
        }
        if (family.readsMlpBias()) {
            o.put("mlp_bias", mlpBias);
        }
        putId(o, "bos_token_id", bosTokenId);
        putId(o, "eos_token_id", eosTokenId);
        putId(o, "pad_token_id", padTokenId);
        o.put("torch_dtype", "float32");
        extra.forEach((k, v) -> {
            if (!o.has(k)) {
                o.set(k, JSON.valueToTree(v));
            }
        });
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    private static void putId(ObjectNode o, String field, int id) {
        if (id >= 0) {
            o.put(field, id);
        } else {
            o.putNull(field);
        }
    }

    /** A builder with small-model defaults (Qwen2 family); every field documented on the record. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.family = family;
        b.vocabSize = vocabSize;
        b.hiddenSize = hiddenSize;
        b.intermediateSize = intermediateSize;
        b.numHiddenLayers = numHiddenLayers;
        b.numAttentionHeads = numAttentionHeads;
        b.numKeyValueHeads = numKeyValueHeads;
        b.headDim = headDim;
        b.ropeTheta = ropeTheta;
        b.ropeScaling = ropeScaling;
        b.rmsNormEps = rmsNormEps;
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.slidingWindow = slidingWindow;
        b.tieWordEmbeddings = tieWordEmbeddings;
        b.attentionBias = attentionBias;
        b.mlpBias = mlpBias;
        b.bosTokenId = bosTokenId;
        b.eosTokenId = eosTokenId;
        b.padTokenId = padTokenId;
        b.extra = extra;
        return b;
    }

    /**
     * Builds a {@link TransformerConfig}; unset key/value heads and head size follow the query heads (for
     * every family: the builder's defaults are those of a small model, not of a family's config class).
     */
    public static final class Builder {
        private ModelFamily family = ModelFamily.QWEN2;
        private int vocabSize = 64;
        private int hiddenSize = 64;
        private int intermediateSize = 256;
        private int numHiddenLayers = 2;
        private int numAttentionHeads = 4;
        private int numKeyValueHeads = -1;
        private int headDim = -1;
        private double ropeTheta = 10000.0;
        private RopeScaling ropeScaling = RopeScaling.NONE;
        private double rmsNormEps = 1e-6;
        private int maxPositionEmbeddings = 2048;
        private int slidingWindow = 0;
        private boolean tieWordEmbeddings = false;
        private boolean attentionBias = false;
        private boolean mlpBias = false;
        private int bosTokenId = -1;
        private int eosTokenId = -1;
        private int padTokenId = -1;
        private Map<String, Object> extra = Map.of();

        private Builder() {}

        public Builder family(ModelFamily v) { family = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder numHiddenLayers(int v) { numHiddenLayers = v; return this; }
        public Builder numAttentionHeads(int v) { numAttentionHeads = v; return this; }
        public Builder numKeyValueHeads(int v) { numKeyValueHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder ropeTheta(double v) { ropeTheta = v; return this; }
        /** {@code rope_scaling}; {@link RopeScaling#NONE} by default. */
        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
        /** {@code sliding_window} (mistral): positions a query attends to, itself included; 0 (default) for all. */
        public Builder slidingWindow(int v) { slidingWindow = v; return this; }
        public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
        public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
        public Builder attentionBias(boolean v) { attentionBias = v; return this; }
        public Builder mlpBias(boolean v) { mlpBias = v; return this; }
        public Builder bosTokenId(int v) { bosTokenId = v; return this; }
        public Builder eosTokenId(int v) { eosTokenId = v; return this; }
        public Builder padTokenId(int v) { padTokenId = v; return this; }
        public Builder extra(Map<String, Object> v) { extra = v; return this; }

        public TransformerConfig build() {
            int kv = numKeyValueHeads > 0 ? numKeyValueHeads : numAttentionHeads;
            int hd = headDim > 0 ? headDim : (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0);
            return new TransformerConfig(family, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                    numAttentionHeads, kv, hd, ropeTheta, ropeScaling, rmsNormEps, maxPositionEmbeddings, slidingWindow,
                    tieWordEmbeddings, attentionBias, mlpBias, bosTokenId, eosTokenId, padTokenId, extra);
        }
    }

    /** Typed access to config.json fields with errors that name the file and field. */
    private record Fields(JsonNode root, Path source) {
        String requiredText(String name) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                throw BadInputException.at(source, 0, name, "is required");
            }
            if (!n.isTextual()) {
                throw BadInputException.at(source, 0, name, "must be a string, was " + n);
            }
            return n.asText();
        }

        int requiredInt(String name) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                throw BadInputException.at(source, 0, name, "is required");
            }
            return asInt(name, n);
        }

        int optionalInt(String name, int fallback) {
            JsonNode n = root.get(name);
            return n == null || n.isNull() ? fallback : asInt(name, n);
        }

        double optionalDouble(String name, double fallback) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isNumber()) {
                throw BadInputException.at(source, 0, name, "must be a number, was " + n);
            }
            return n.asDouble();
        }

        boolean optionalBoolean(String name, boolean fallback) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw BadInputException.at(source, 0, name, "must be true or false, was " + n);
            }
            return n.asBoolean();
        }

        /** A token id, or the first of a list of ids (Hugging Face allows several eos ids), or -1. */
        int tokenId(String name) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                return -1;
            }
            if (n.isArray()) {
                return n.size() == 0 ? -1 : asInt(name, n.get(0));
            }
            return asInt(name, n);
        }

        void rejectUnlessDefault(String name, Object expected, String why) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                return;
            }
            boolean same = expected instanceof Number num ? n.isNumber() && n.asDouble() == num.doubleValue()
                    : n.isTextual() && n.asText().equals(expected);
            if (!same) {
                throw BadInputException.at(source, 0, name, "is " + n + ", but " + why);
            }
        }

        private int asInt(String name, JsonNode n) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw BadInputException.at(source, 0, name, "must be an integer, was " + n);
            }
            return n.asInt();
        }
    }
}
