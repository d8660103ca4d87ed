package dev.r1j.rl.run;

import dev.r1j.rl.grpo.GrpoConfig;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.train.SupervisedConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The memory a run will need, estimated from its settings before it starts, so that a run that
 * cannot fit says so and names the setting to change instead of dying an hour in. Every figure is
 * arithmetic on the configs (fp32 everywhere, as r1j trains today):
 * <ul>
 *   <li>weights, gradients and AdamW's two moments: 4, 4 and 8 bytes a parameter;</li>
 *   <li>GRPO's reference model (only when beta > 0): 4 bytes a parameter;</li>
 *   <li>GRPO's KV cache: layers x 2 (keys, values) x kv_heads x head_dim x 4 bytes for each of
 *       prompts_per_step x group_size rows and (prompt + max_new_tokens) positions;</li>
 *   <li>the activations of one micro-batch: every intermediate of the forward pass stays alive until
 *       the micro-batch's backward pass, {@link #activationFloatsPerToken} floats per token and layer
 *       (with gradient checkpointing, H floats per token and layer plus one layer's intermediates);</li>
 *   <li>the output head: one chunk of logits_chunk positions (at most the micro-batch's loss positions)
 *       x V floats, four times (logits, log-softmax, its exponential, the gradient); twice that for
 *       distillation from whole teacher distributions (the teacher's chunk too);</li>
 *   <li>a distillation teacher: its weights, and its forward pass's intermediates (no gradients);</li>
 *   <li>on the Java heap: a checkpoint streams tensor by tensor through one buffer of
 *       {@code HostWeights.STREAM_CHUNK_BYTES};</li>
 *   <li>with a LoRA adapter, gradients and moments only for the adapter's parameters, and no copy of
 *       the model for GRPO's reference (the base with adapters off is the reference).</li>
 * </ul>
 * The parts do not all exist at once: the KV cache is freed before optimisation starts, a
 * micro-batch's activations after its backward pass, the stream buffer after the write. So the peak
 * is what is always held plus the largest {@link Phase}. It is an estimate: allocator slack and the
 * engine's own buffers come on top, and so do the JVM, the engine's libraries and the tokenizer unless
 * {@link #withRuntime} adds what they measured.
 *
 * @param parts what the memory goes to, in the order printed
 */
public record MemoryEstimate(List<Part> parts) {

    /** When a part is held. */
    public enum Phase {
        /** For the whole run (weights, gradients, moments, reference, teacher). */
        ALWAYS,
        /** While completions are sampled (the KV cache). */
        GENERATION,
        /** During one micro-batch's forward and backward pass. */
        OPTIMISATION,
        /** While a checkpoint is written; this part is on the Java heap, bounded by -Xmx. */
        CHECKPOINT
    }

    /**
     * One item of the breakdown.
     *
     * @param name    what it is, e.g. "KV cache"
     * @param bytes   its size
     * @param phase   when it is held
     * @param setting the settings that move it, as a config file spells them; empty when none does
     */
    public record Part(String name, long bytes, Phase phase, String setting) {}

    public MemoryEstimate {
        parts = List.copyOf(parts);
    }

    private static final int F32 = 4;

    /** The part that ONNX Runtime rollouts add: their copy of the policy's weights. */
    public static final String ROLLOUT_COPY = "ONNX Runtime weight copy";

    /** A GRPO run of {@code model} with {@code grpo}, whose prompts are at most {@code promptTokens} long. */
    public static MemoryEstimate grpo(TransformerConfig model, GrpoConfig grpo, int promptTokens) {
        return grpo(model, model.parameterCount(), grpo, promptTokens);
    }

    /**
     * As {@link #grpo(TransformerConfig, GrpoConfig, int)}, training {@code trainable} parameters: all of
     * them, or a LoRA adapter's (then the frozen base is the reference and no copy is held).
     */
    public static MemoryEstimate grpo(TransformerConfig model, long trainable, GrpoConfig grpo, int promptTokens) {
        long p = model.parameterCount();
        int length = promptTokens + grpo.maxNewTokens();
        List<Part> parts = new ArrayList<>(trainedModel(p, trainable));
        if (grpo.beta() > 0 && trainable == p) {
            parts.add(new Part("reference model", F32 * p, Phase.ALWAYS, "beta"));
        }
        if (grpo.rolloutEngine() == dev.r1j.rl.grpo.RolloutEngine.ONNX_RUNTIME) {
            // The rollout engine's float32 copy of every weight (with LoRA, the merged matrices), held all run.
            parts.add(new Part(ROLLOUT_COPY, F32 * p, Phase.ALWAYS, "rollout_engine"));
        }
        parts.add(new Part("KV cache", kvCacheBytes(model, grpo.completionsPerStep(), length), Phase.GENERATION,
                "prompts_per_step, group_size, max_new_tokens"));
        parts.add(new Part("activations", activationBytes(model, grpo.microBatchSize(), length, grpo.gradientCheckpointing()),
                Phase.OPTIMISATION, grpo.gradientCheckpointing() ? "micro_batch_size" : "micro_batch_size" + OR_CHECKPOINTING));
        long headRows = Math.min(grpo.logitsChunk(), (long) grpo.microBatchSize() * grpo.maxNewTokens());
        parts.add(new Part("output head", headBytes(model, headRows), Phase.OPTIMISATION, "logits_chunk"));
        parts.add(checkpointBuffer());
        return new MemoryEstimate(parts);
    }

    /**
     * Pre-training, SFT or (with a {@code teacher}) logit distillation of {@code model} with {@code training}.
     *
     * @param teacher     the distillation teacher, or null
     * @param teacherTopK the teacher's kept tokens per position (0: whole distributions)
     */
    public static MemoryEstimate supervised(TransformerConfig model, SupervisedConfig training, TransformerConfig teacher,
                                            int teacherTopK) {
        return supervised(model, model.parameterCount(), training, teacher, teacherTopK);
    }

    /** As {@link #supervised(TransformerConfig, SupervisedConfig, TransformerConfig, int)}, training {@code trainable} parameters. */
    public static MemoryEstimate supervised(TransformerConfig model, long trainable, SupervisedConfig training,
                                            TransformerConfig teacher, int teacherTopK) {
        long p = model.parameterCount();
        int rows = training.batchSize();
        int length = training.sequenceLength();
        long positions = (long) rows * length;
        List<Part> parts = new ArrayList<>(trainedModel(p, trainable));
        if (teacher != null) {
            parts.add(new Part("teacher", F32 * teacher.parameterCount(), Phase.ALWAYS, ""));
        }
        parts.add(new Part("activations", activationBytes(model, rows, length, training.gradientCheckpointing()),
                Phase.OPTIMISATION, "batch_size, sequence_length" + (training.gradientCheckpointing() ? "" : OR_CHECKPOINTING)));
        if (teacher != null) {
            // What the teacher keeps per loss position: top-k log-probs and ids, or its hidden state.
            long kept = teacherTopK > 0 ? positions * ((teacherTopK + 1L) * F32 + teacherTopK * 8L)
                    : positions * teacher.hiddenSize() * (long) F32;
            parts.add(new Part("teacher activations", activationBytes(teacher, rows, length) + kept, Phase.OPTIMISATION,
                    "batch_size, sequence_length"));
        }
        long head = headBytes(model, Math.min(training.logitsChunk(), positions));
        parts.add(new Part("output head", teacher != null && teacherTopK == 0 ? 2 * head : head, Phase.OPTIMISATION,
                "logits_chunk"));
        parts.add(checkpointBuffer());
        return new MemoryEstimate(parts);
    }

    /**
     * The model's weights (plus an adapter's, when only an adapter trains), and the trained tensors'
     * gradients and moments. {@code trainable == parameters} is full fine-tuning; any other count is an
     * adapter's, which on a small enough model can outnumber the base (rank 16 on a 32-wide model).
     */
    private static List<Part> trainedModel(long parameters, long trainable) {
        if (trainable <= 0) {
            throw new IllegalArgumentException("trainable parameters must be >= 1, was " + trainable);
        }
        long weights = trainable == parameters ? parameters : parameters + trainable;
        return List.of(new Part("weights", F32 * weights, Phase.ALWAYS, ""),
                new Part("gradients", F32 * trainable, Phase.ALWAYS, ""),
                new Part("AdamW moments", 2L * F32 * trainable, Phase.ALWAYS, ""));
    }

    /** A checkpoint streams from the engine to its file through one buffer on the heap. */
    private static Part checkpointBuffer() {
        return new Part("stream buffer", dev.r1j.rl.model.HostWeights.STREAM_CHUNK_BYTES, Phase.CHECKPOINT, "");
    }

    /** Keys and values of every layer for {@code rows} sequences of {@code length} positions. */
    static long kvCacheBytes(TransformerConfig m, long rows, long length) {
        return (long) m.numHiddenLayers() * 2 * m.numKeyValueHeads() * m.headDim() * F32 * rows * length;
    }

    /**
     * Floats one token keeps alive in one decoder layer until the backward pass, counted from the
     * block's operations for a sequence of {@code length} positions: the two RMSNorms (3 H each), the
     * residual adds and output products (4 H), q/k/v with their bias (2 (Hq + 2 Hkv) D), the rotary
     * arithmetic on queries and keys (4 (Hq + Hkv) D), scaled queries and attended values (2 Hq D),
     * scores, masked scores and probabilities (3 Hq S), and the MLP's gate/up product, sigmoid, SiLU
     * and product (5 I).
     */
    static long activationFloatsPerToken(TransformerConfig m, int length) {
        long h = m.hiddenSize();
        long d = m.headDim();
        long hq = m.numAttentionHeads();
        long hkv = m.numKeyValueHeads();
        return 10 * h + 2 * (hq + 2 * hkv) * d + 4 * (hq + hkv) * d + 2 * hq * d + 3 * hq * length
                + 5L * m.intermediateSize();
    }

    /** One micro-batch of {@code rows} sequences of {@code length} positions, every layer. */
    static long activationBytes(TransformerConfig m, int rows, int length) {
        return activationFloatsPerToken(m, length) * m.numHiddenLayers() * rows * length * F32;
    }

    /**
     * The same with gradient checkpointing when {@code checkpointed}: each layer's [rows x length, H]
     * input is kept, and one layer's intermediates live at a time while it is recomputed.
     */
    static long activationBytes(TransformerConfig m, int rows, int length, boolean checkpointed) {
        if (!checkpointed) {
            return activationBytes(m, rows, length);
        }
        return (activationFloatsPerToken(m, length) + (long) m.hiddenSize() * m.numHiddenLayers()) * rows * length * F32;
    }

    /** Logits, log-softmax, its exponential and the gradient of {@code rows} positions. */
    static long headBytes(TransformerConfig m, long rows) {
        return 4L * rows * m.vocabSize() * F32;
    }

    /** How a warning offers gradient checkpointing beside the settings that shrink the activations. */
    private static final String OR_CHECKPOINTING = ", or turn on gradient_checkpointing";

    /** The part {@link #withRuntime} adds. */
    public static final String RUNTIME = "runtime";

    /**
     * This estimate with {@code runtimeBytes} for what the process holds besides the parts above: the
     * JVM and its heap, the engine's libraries, the tokenizer, as measured by the caller (see
     * {@link MachineMemory#processResidentBytes}: with the model loaded, the resident memory minus the
     * {@code weights} part). On a Qwen2.5-0.5B-shaped checkpoint it measured about 1.1 GB, a fifth of
     * a LoRA step's peak.
     */
    public MemoryEstimate withRuntime(long runtimeBytes) {
        List<Part> out = new ArrayList<>(parts.size() + 1);
        out.addAll(parts);
        out.add(new Part(RUNTIME, Math.max(0, runtimeBytes), Phase.ALWAYS, ""));
        return new MemoryEstimate(out);
    }

    /** The bytes held in {@code phase}. */
    public long bytes(Phase phase) {
        return parts.stream().filter(p -> p.phase() == phase).mapToLong(Part::bytes).sum();
    }

    /** The bytes of the part called {@code name}, 0 when there is none. */
    public long bytes(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).mapToLong(Part::bytes).sum();
    }

    /** What the Java heap must hold: the checkpoint's stream buffer. */
    public long heapBytes() {
        return bytes(Phase.CHECKPOINT);
    }

    /** The peak: what is always held plus the largest of generation, optimisation and checkpoint. */
    public long peakBytes() {
        return bytes(Phase.ALWAYS) + Math.max(bytes(Phase.GENERATION), Math.max(bytes(Phase.OPTIMISATION),
                bytes(Phase.CHECKPOINT)));
    }

    /**
     * One line for the start of a run, e.g. {@code memory estimate: peak 13.8 GB; always weights 2.0 GB,
     * gradients 2.0 GB, AdamW moments 4.0 GB; generation KV cache 64 MB; optimisation activations 1.5 GB,
     * output head 311 MB; checkpoint stream buffer 4.2 MB (Java heap)}.
     */
    public String line() {
        StringBuilder s = new StringBuilder("memory estimate: peak ").append(size(peakBytes()));
        for (Phase phase : Phase.values()) {
            String sep = "; " + phase.name().toLowerCase(Locale.ROOT) + " ";
            for (Part p : parts) {
                if (p.phase() == phase) {
                    s.append(sep).append(p.name()).append(' ').append(size(p.bytes()));
                    sep = ", ";
                }
            }
        }
        return s.append(heapBytes() > 0 ? " (Java heap)" : "").toString();
    }

    /**
     * What does not fit on {@code machine}, each naming what to change; empty when everything fits
     * (or the machine's memory is unknown).
     */
    public List<String> warnings(MachineMemory machine) {
        List<String> out = new ArrayList<>();
        if (machine.availableBytes() > 0 && peakBytes() > machine.availableBytes()) {
            StringBuilder s = new StringBuilder("the run needs about ").append(size(peakBytes()))
                    .append(" at its peak but ").append(size(machine.availableBytes())).append(" of ")
                    .append(size(machine.totalBytes())).append(" is available, so it is likely to run out of memory");
            List<Part> movable = new ArrayList<>(parts.stream().filter(p -> !p.setting().isEmpty() && p.bytes() > 0).toList());
            movable.sort(Comparator.comparingLong(Part::bytes).reversed());
            String sep = "; lower ";
            for (Part p : movable) {
                s.append(sep);
                if (p.name().equals("reference model")) {
                    s.append("beta to 0 (no reference model: ").append(size(p.bytes())).append(')');
                } else if (p.name().equals(ROLLOUT_COPY)) {
                    s.append("rollout_engine to DJL (no ONNX Runtime weight copy: ").append(size(p.bytes())).append(')');
                } else {
                    s.append(p.setting()).append(" (").append(p.name()).append(' ').append(size(p.bytes())).append(')');
                }
                sep = ", ";
            }
            s.append("; the ").append(size(bytes(Phase.ALWAYS) - bytes("reference model") - bytes(ROLLOUT_COPY) - bytes(RUNTIME)))
                    .append(" of fp32 weights, gradients, AdamW moments and any teacher only a smaller model (or a LoRA "
                            + "adapter) reduces");
            out.add(s.toString());
        }
        if (heapBytes() > machine.maxHeapBytes()) {
            out.add("writing a checkpoint streams through " + size(heapBytes()) + " of the Java heap, whose limit is "
                    + size(machine.maxHeapBytes()) + ": raise it (R1J_JAVA_OPTS=-Xmx"
                    + (heapBytes() / (1L << 30) + 2) + "g) or the run fails with OutOfMemoryError at its first checkpoint");
        }
        return out;
    }

    /** Bytes as GB (10^9) with one decimal, or MB, or kB. */
    static String size(long bytes) {
        if (bytes >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
        }
        if (bytes >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
    }
}
