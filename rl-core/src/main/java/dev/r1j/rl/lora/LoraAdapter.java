package dev.r1j.rl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rewards.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.ProjectionAdapter;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.HostWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * LoRA adapter weights for every layer and targeted projection of a decoder: {@code A} [r, in] and
 * {@code B} [out, r], scaled by alpha / r, as PEFT defines them. The engine keeps them transposed
 * ({@code A^T} [in, r], {@code B^T} [r, out]) so the delta is {@code (x A^T) B^T}, two plain products;
 * files use PEFT's names and [out, in] layout.
 *
 * <p>The arrays live in a sub-manager of the model's manager: closing the model frees them.
 */
public final class LoraAdapter implements ProjectionAdapter {

    /** Prefix PEFT puts before a causal LM's module names. */
    static final String PEFT_PREFIX = "base_model.model.model.layers.";

    private final LoraConfig config;
    private final TransformerConfig model;
    private final LoraBase base;
    private final NDManager manager;
    private final float scale;
    /** [layer][target ordinal]: A^T [in, r] and B^T [r, out]; null for targets not adapted. */
    private final NDArray[][] aT;
    private final NDArray[][] bT;

    private LoraAdapter(LoraConfig config, TransformerConfig model, LoraBase base, NDManager manager) {
        this.config = config;
        this.model = model;
        this.base = base;
        this.manager = manager;
        this.scale = (float) config.scale();
        int n = LoraTarget.values().length;
        this.aT = new NDArray[model.numHiddenLayers()][n];
        this.bT = new NDArray[model.numHiddenLayers()][n];
    }

    /**
     * A fresh adapter for {@code lm}, initialised as PEFT does: each A Kaiming-uniform with
     * a = sqrt(5) (uniform in +-1/sqrt(in)), seeded; each B zero, so the model computes exactly what its
     * base does until it is trained. Attaches it to {@code lm}.
     *
     * @param base the base model's directory, recorded in adapter files; null when there is none
     * @throws IllegalArgumentException when {@code config} cannot be trained ({@link LoraConfig#checkTrainable})
     */
    public static LoraAdapter create(CausalLm lm, LoraConfig config, LoraBase base, long seed) {
        config.checkTrainable();
        TransformerConfig c = lm.config();
        LoraAdapter a = new LoraAdapter(config, c, base, lm.manager().newSubManager());
        SplittableRandom rng = new SplittableRandom(seed);
        int r = config.rank();
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                int in = t.inFeatures(c);
                int out = t.outFeatures(c);
                double bound = 1.0 / Math.sqrt(in);            // kaiming_uniform_(a=sqrt(5)) on [r, in]
                float[] peftA = new float[r * in];            // [r, in], row-major, as PEFT draws it
                for (int i = 0; i < peftA.length; i++) {
                    peftA[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
                a.aT[layer][t.ordinal()] = a.manager.create(transpose(peftA, r, in), new Shape(in, r));
                a.bT[layer][t.ordinal()] = a.manager.zeros(new Shape(r, out));
            }
        }
        lm.attachAdapter(a);
        return a;
    }

    /**
     * An adapter for {@code lm} from PEFT-named tensors, checked against the base: every expected
     * tensor present with the shape {@code config} and the base's {@code config.json} imply, nothing
     * else. Attaches it to {@code lm}. {@code source} (may be null) names the file in error messages.
     */
    public static LoraAdapter fromPeft(CausalLm lm, LoraConfig config, LoraBase base, HostWeights tensors, Path source) {
        LoraAdapter a = new LoraAdapter(config, lm.config(), base, lm.manager().newSubManager());
        try {
            a.load(tensors, source);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        lm.attachAdapter(a);
        return a;
    }

    /** The LoRA adapter attached to {@code lm}, if any. */
    public static Optional<LoraAdapter> of(CausalLm lm) {
        return lm.adapter().filter(LoraAdapter.class::isInstance).map(LoraAdapter.class::cast);
    }

    public LoraConfig config() {
        return config;
    }

    /** The config of the base model the adapter is shaped for. */
    public TransformerConfig model() {
        return model;
    }

    /** The base model these weights adapt, when known. */
    public Optional<LoraBase> base() {
        return Optional.ofNullable(base);
    }

    /**
     * Replaces the values, in place, with PEFT-named tensors (checked as {@link #fromPeft} does): how a
     * run resumes an adapter from its checkpoint.
     */
    public void load(HostWeights tensors, Path source) {
        Map<String, long[]> expected = peftShapes(config, model);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!tensors.names().contains(e.getKey())) {
                throw BadInputException.at(source, 0, e.getKey(),
                        "is missing: the adapter's r and target_modules on this base need it");
            }
            long[] actual = tensors.shape(e.getKey());
            if (!Arrays.equals(actual, e.getValue())) {
                throw BadInputException.at(source, 0, e.getKey(),
                        "has shape " + Arrays.toString(actual) + " but r = " + config.rank() + " on the base model implies "
                                + Arrays.toString(e.getValue()) + " (is this adapter for another base?)");
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(tensors.names());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw BadInputException.at(source, 0, unexpected.first(), "is one of " + unexpected.size() + " tensor(s) the "
                    + "adapter's r and target_modules on this base do not account for (is this adapter for another base?)");
        }
        boolean grad = Engines.gradMode(false);
        try {
            int r = config.rank();
            for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
                for (LoraTarget t : config.targetModules()) {
                    int in = t.inFeatures(model);
                    int out = t.outFeatures(model);
                    float[] at = transpose(tensors.read(name(layer, t, "lora_A")), r, in);  // [in, r]
                    float[] bt = transpose(tensors.read(name(layer, t, "lora_B")), out, r); // [r, out]
                    set(aT, layer, t, at, new Shape(in, r));
                    set(bT, layer, t, bt, new Shape(r, out));
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
    }

    private void set(NDArray[][] arrays, int layer, LoraTarget t, float[] values, Shape shape) {
        NDArray existing = arrays[layer][t.ordinal()];
        if (existing == null) {
            arrays[layer][t.ordinal()] = manager.create(values, shape);
        } else {
            existing.set(values);
        }
    }

    /** The PEFT tensor name of one adapter matrix, e.g. {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}. */
    public static String name(int layer, LoraTarget target, String matrix) {
        return PEFT_PREFIX + layer + "." + target.module() + "." + target.peftName() + "." + matrix + ".weight";
    }

    /** The PEFT tensor names and shapes of an adapter with {@code config} on a base of {@code model}, in file order. */
    public static Map<String, long[]> peftShapes(LoraConfig config, TransformerConfig model) {
        Map<String, long[]> s = new LinkedHashMap<>();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                s.put(name(layer, t, "lora_A"), new long[] {config.rank(), t.inFeatures(model)});
                s.put(name(layer, t, "lora_B"), new long[] {t.outFeatures(model), config.rank()});
            }
        }
        return s;
    }

    /** The weights under PEFT's names and shapes (A [r, in], B [out, r]), copied to the heap, in file order. */
    public Map<String, float[]> peftTensors() {
        Map<String, float[]> out = new LinkedHashMap<>();
        int r = config.rank();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                out.put(name(layer, t, "lora_A"), transpose(aT[layer][t.ordinal()].toFloatArray(), t.inFeatures(model), r));
                out.put(name(layer, t, "lora_B"), transpose(bT[layer][t.ordinal()].toFloatArray(), r, t.outFeatures(model)));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // ProjectionAdapter

    @Override
    public NDArray delta(int layer, Projection projection, NDArray input) {
        List<LoraTarget> targets = LoraTarget.of(projection);
        NDArray[] parts = new NDArray[targets.size()];
        boolean any = false;
        for (int i = 0; i < parts.length; i++) {
            LoraTarget t = targets.get(i);
            NDArray a = aT[layer][t.ordinal()];
            if (a != null) {
                // Scaling the [N, r] product is cheaper than scaling the [N, out] one.
                parts[i] = input.matMul(a).mul(scale).matMul(bT[layer][t.ordinal()]); // [N, out_t]
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        if (parts.length == 1) {
            return parts[0];
        }
        long n = input.getShape().get(0);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] == null) {
                parts[i] = input.getManager().zeros(new Shape(n, targets.get(i).outFeatures(model)), input.getDataType());
            }
        }
        return NDArrays.concat(new NDList(parts), 1);                                    // [N, sum(out_t)]
    }

    @Override
    public NDArray weightDelta(int layer, Projection projection, NDManager m) {
        List<LoraTarget> targets = LoraTarget.of(projection);
        NDArray[] parts = new NDArray[targets.size()];
        boolean any = false;
        for (int i = 0; i < parts.length; i++) {
            LoraTarget t = targets.get(i);
            NDArray a = aT[layer][t.ordinal()];
            if (a != null) {
                NDArray product = a.matMul(bT[layer][t.ordinal()]);                    // [in, out_t]
                product.attach(m);
                parts[i] = product.muli(scale);
                any = true;
            } else {
                parts[i] = m.zeros(new Shape(t.inFeatures(model), t.outFeatures(model)));
            }
        }
        if (!any) {
            return null;
        }
        return parts.length == 1 ? parts[0] : NDArrays.concat(new NDList(parts), 1);  // [in, sum(out_t)]
    }

    @Override
    public List<NDArray> parameters() {
        List<NDArray> out = new ArrayList<>();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                out.add(aT[layer][t.ordinal()]);
                out.add(bT[layer][t.ordinal()]);
            }
        }
        return out;
    }

    @Override
    public boolean isZero() {
        for (NDArray[] layer : bT) {
            for (NDArray b : layer) {
                if (b != null) {
                    for (float v : b.toFloatArray()) {
                        if (v != 0f) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    @Override
    public LoraAdapter frozenCopy(NDManager m) {
        LoraAdapter copy = new LoraAdapter(config, model, base, m);
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                NDArray a = aT[layer][t.ordinal()];
                NDArray b = bT[layer][t.ordinal()];
                copy.aT[layer][t.ordinal()] = m.create(a.toFloatArray(), a.getShape());
                copy.bT[layer][t.ordinal()] = m.create(b.toFloatArray(), b.getShape());
            }
        }
        return copy;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Transposes a row-major [rows, cols] matrix. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] out = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = m[i * cols + j];
            }
        }
        return out;
    }
}
