package dev.r1j.rl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.ProjectionAdapter;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.model.HostWeights;
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
 * {@code B} [out, r], scaled by alpha / r, as PEFT defines them; files use PEFT's names and layout.
 *
 * <p>The engine keeps them per fused projection of the model (q/k/v, o, gate/up, down), so that a
 * projection's delta costs two products whatever its number of targets: {@code A^T} of its k targeted
 * slices side by side, [in, k r], and their {@code B^T} as a block-diagonal [k r, out] whose block j
 * covers target j's output columns (all zero for a slice not targeted). The delta is
 * {@code scale (x A^T) B^T}. The off-diagonal entries are zero and stay zero: in a training pass the
 * products use {@code B^T} times a fixed block mask, so those entries get no gradient, and AdamW moves
 * nothing that has no gradient from zero. Outside training the mask is skipped (same values).
 *
 * <p>The arrays live in a sub-manager of the model's manager: closing the model frees them.
 */
public final class LoraAdapter implements ProjectionAdapter {

    /** Prefix PEFT puts before a causal LM's module names. */
    static final String PEFT_PREFIX = "base_model.model.model.layers.";

    /** The targeted slices of one fused projection: which, and where their columns start. */
    private record Fused(List<LoraTarget> targets, int[] columnStart, int in, int out) {}

    private final LoraConfig config;
    private final TransformerConfig model;
    private final LoraBase base;
    private final NDManager manager;
    private final float scale;
    /** By projection ordinal: the layout, null when nothing of that projection is targeted. */
    private final Fused[] fused;
    /** By projection ordinal: the block mask [k r, out] of B^T (1 on the blocks, 0 elsewhere); shared by the layers. */
    private final NDArray[] masks;
    /** [layer][projection ordinal]: A^T [in, k r] and block-diagonal B^T [k r, out]; null where not targeted. */
    private final NDArray[][] aT;
    private final NDArray[][] bT;

    private LoraAdapter(LoraConfig config, TransformerConfig model, LoraBase base, NDManager manager) {
        this.config = config;
        this.model = model;
        this.base = base;
        this.manager = manager;
        this.scale = (float) config.scale();
        int n = Projection.values().length;
        this.fused = new Fused[n];
        this.masks = new NDArray[n];
        int r = config.rank();
        for (Projection p : Projection.values()) {
            List<LoraTarget> all = LoraTarget.of(p);
            List<LoraTarget> targeted = all.stream().filter(config::targets).toList();
            if (targeted.isEmpty()) {
                continue;
            }
            int[] start = new int[targeted.size()];
            int column = 0;
            for (LoraTarget t : all) {
                if (targeted.contains(t)) {
                    start[targeted.indexOf(t)] = column;
                }
                column += t.outFeatures(model);
            }
            Fused f = new Fused(targeted, start, all.get(0).inFeatures(model), column);
            fused[p.ordinal()] = f;
            float[] mask = new float[targeted.size() * r * f.out()];
            for (int j = 0; j < targeted.size(); j++) {
                int width = targeted.get(j).outFeatures(model);
                for (int k = 0; k < r; k++) {
                    Arrays.fill(mask, (j * r + k) * f.out() + start[j], (j * r + k) * f.out() + start[j] + width, 1f);
                }
            }
            masks[p.ordinal()] = Engines.owned(manager.create(mask, new Shape((long) targeted.size() * r, f.out())));
        }
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
        SplittableRandom rng = new SplittableRandom(seed);
        int r = config.rank();
        Map<String, float[]> peft = new LinkedHashMap<>();
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                int in = t.inFeatures(c);
                double bound = 1.0 / Math.sqrt(in);            // kaiming_uniform_(a=sqrt(5)) on [r, in]
                float[] a = new float[r * in];                // [r, in], row-major, as PEFT draws it
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
                peft.put(name(layer, t, "lora_A"), a);
                peft.put(name(layer, t, "lora_B"), new float[t.outFeatures(c) * r]);
            }
        }
        return fromPeft(lm, config, base, new DecoderWeights.MapWeights(peft, peftShapes(config, c)), null);
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
                for (Projection p : Projection.values()) {
                    Fused f = fused[p.ordinal()];
                    if (f == null) {
                        continue;
                    }
                    int k = f.targets().size();
                    float[] a = new float[f.in() * k * r];     // [in, k r]
                    float[] b = new float[k * r * f.out()];    // [k r, out], block-diagonal
                    for (int j = 0; j < k; j++) {
                        LoraTarget t = f.targets().get(j);
                        float[] peftA = tensors.read(name(layer, t, "lora_A")); // [r, in]
                        float[] peftB = tensors.read(name(layer, t, "lora_B")); // [out_t, r]
                        int width = t.outFeatures(model);
                        for (int kk = 0; kk < r; kk++) {
                            for (int i = 0; i < f.in(); i++) {
                                a[i * k * r + j * r + kk] = peftA[kk * f.in() + i];
                            }
                            for (int o = 0; o < width; o++) {
                                b[(j * r + kk) * f.out() + f.columnStart()[j] + o] = peftB[o * r + kk];
                            }
                        }
                    }
                    set(aT, layer, p, a, new Shape(f.in(), (long) k * r));
                    set(bT, layer, p, b, new Shape((long) k * r, f.out()));
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
    }

    private void set(NDArray[][] arrays, int layer, Projection p, float[] values, Shape shape) {
        NDArray existing = arrays[layer][p.ordinal()];
        if (existing == null) {
            arrays[layer][p.ordinal()] = Engines.owned(manager.create(values, shape));
        } else {
            // An in-place copy, as checkpoints load: NDArray.set(float[]) would swap the engine's storage for a
            // Java buffer (see Engines.owned), and 0 x old + new would keep a NaN of the old values.
            try (NDArray copy = Engines.owned(manager.create(values, shape))) {
                existing.set(new NDIndex(":"), copy);
            }
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
        int r = config.rank();
        Map<String, float[]> byName = new LinkedHashMap<>();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (Projection p : Projection.values()) {
                Fused f = fused[p.ordinal()];
                if (f == null) {
                    continue;
                }
                int k = f.targets().size();
                float[] a = aT[layer][p.ordinal()].toFloatArray();
                float[] b = bT[layer][p.ordinal()].toFloatArray();
                for (int j = 0; j < k; j++) {
                    LoraTarget t = f.targets().get(j);
                    int width = t.outFeatures(model);
                    float[] peftA = new float[r * f.in()];
                    float[] peftB = new float[width * r];
                    for (int kk = 0; kk < r; kk++) {
                        for (int i = 0; i < f.in(); i++) {
                            peftA[kk * f.in() + i] = a[i * k * r + j * r + kk];
                        }
                        for (int o = 0; o < width; o++) {
                            peftB[o * r + kk] = b[(j * r + kk) * f.out() + f.columnStart()[j] + o];
                        }
                    }
                    byName.put(name(layer, t, "lora_A"), peftA);
                    byName.put(name(layer, t, "lora_B"), peftB);
                }
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        peftShapes(config, model).keySet().forEach(n -> out.put(n, byName.get(n)));
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // ProjectionAdapter

    @Override
    public NDArray delta(int layer, Projection projection, NDArray input) {
        NDArray a = aT[layer][projection.ordinal()];
        if (a == null) {
            return null;
        }
        NDArray b = bT[layer][projection.ordinal()];
        if (Engines.isGradMode()) {
            // Training: only the diagonal blocks take part, so only they get gradients.
            b = b.mul(masks[projection.ordinal()]);
            b.attach(input.getManager());
        }
        // Scaling the [N, k r] product is cheaper than scaling the [N, out] one.
        NDArray down = input.matMul(a);                                                // [N, k r]
        return down.mul(Engines.scalarLike(down, scale)).matMul(b);                    // [N, out]
    }

    @Override
    public NDArray weightDelta(int layer, Projection projection, NDManager m) {
        NDArray a = aT[layer][projection.ordinal()];
        if (a == null) {
            return null;
        }
        NDArray product = a.matMul(bT[layer][projection.ordinal()]);                   // [in, out]
        product.attach(m);
        return product.muli(scale);
    }

    @Override
    public List<NDArray> parameters() {
        List<NDArray> out = new ArrayList<>();
        for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
            for (Projection p : Projection.values()) {
                if (aT[layer][p.ordinal()] != null) {
                    out.add(aT[layer][p.ordinal()]);
                    out.add(bT[layer][p.ordinal()]);
                }
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
            for (Projection p : Projection.values()) {
                NDArray a = aT[layer][p.ordinal()];
                if (a != null) {
                    NDArray b = bT[layer][p.ordinal()];
                    copy.aT[layer][p.ordinal()] = Engines.owned(m.create(a.toFloatArray(), a.getShape()));
                    copy.bT[layer][p.ordinal()] = Engines.owned(m.create(b.toFloatArray(), b.getShape()));
                }
            }
        }
        return copy;
    }

    @Override
    public void close() {
        manager.close();
    }
}
