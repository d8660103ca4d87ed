package dev.r1j.rl.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.r1j.common.BadInputException;
import ai.djl.ndarray.index.NDIndex;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.SafeTensorsFile;
import dev.r1j.rl.checkpoint.SafeTensorsWriter;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.HostWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), with moments r1j owns so that they
 * can be checkpointed and a run resumed exactly (DJL's optimizer state is keyed by per-run ids and is
 * lost on save). One step, for parameter p with gradient g at step t (from 1):
 * <pre>
 * m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 * p = p - lr (wd p + (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps))
 * </pre>
 * as PyTorch's {@code AdamW} computes it. Not thread-safe.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters: betas 0.9/0.999, eps 1e-8 and weight decay 0.01 are the usual defaults. */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), were " + beta1 + " and " + beta2);
            }
            if (!(eps > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("need eps > 0 and weight decay >= 0, were " + eps + " and " + weightDecay);
            }
        }

        public static Settings defaults() {
            return new Settings(0.9, 0.999, 1e-8, 0.01);
        }
    }

    private final Settings settings;
    private final NDManager manager;
    private final List<NDArray> first = new ArrayList<>();
    private final List<NDArray> second = new ArrayList<>();
    private long step;

    /** Moments start at zero, shaped like {@code parameters}, in a manager of their own. */
    public AdamW(List<NDArray> parameters, Settings settings) {
        this.settings = settings;
        this.manager = parameters.get(0).getManager().newSubManager();
        for (NDArray p : parameters) {
            first.add(manager.zeros(p.getShape(), p.getDataType()));
            second.add(manager.zeros(p.getShape(), p.getDataType()));
        }
    }

    /** Steps taken so far. */
    public long step() {
        return step;
    }

    /**
     * Updates {@code parameters} in place from {@code gradients} (same order and shapes as at
     * construction) with learning rate {@code lr}.
     */
    public void update(List<NDArray> parameters, List<NDArray> gradients, double lr) {
        if (parameters.size() != first.size() || gradients.size() != first.size()) {
            throw new IllegalArgumentException("expected " + first.size() + " parameters and gradients, got "
                    + parameters.size() + " and " + gradients.size());
        }
        step++;
        double correction1 = 1 - Math.pow(settings.beta1(), step);
        double correction2 = 1 - Math.pow(settings.beta2(), step);
        boolean grad = Engines.gradMode(false);
        try {
            for (int i = 0; i < parameters.size(); i++) {
                // One scratch manager a parameter: its temporaries are each the parameter's size, and kept
                // until the end of the loop they would add up to 5 x 4 bytes a parameter at once (10 GB for
                // a 0.5 B model); per parameter they peak at five times the largest tensor.
                try (NDManager scratch = manager.newSubManager()) {
                    update(parameters.get(i), gradients.get(i), first.get(i), second.get(i), lr, correction1, correction2,
                            scratch);
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** One parameter's AdamW step, in place; temporaries go to {@code scratch}. */
    private void update(NDArray p, NDArray g, NDArray m, NDArray v, double lr, double correction1, double correction2,
                        NDManager scratch) {
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        NDArray gScaled = g.mul(1 - b1);
        gScaled.attach(scratch);
        m.muli(b1).addi(gScaled);                                     // m = b1 m + (1-b1) g
        NDArray gSquared = g.square();
        gSquared.attach(scratch);
        v.muli(b2).addi(gSquared.muli(1 - b2));                       // v = b2 v + (1-b2) g^2
        NDArray vHat = v.div(correction2);
        vHat.attach(scratch);
        NDArray denom = vHat.sqrt();
        denom.attach(scratch);
        denom.addi(settings.eps());                                   // sqrt(v_hat) + eps
        NDArray direction = m.div(correction1);
        direction.attach(scratch);
        direction.divi(denom);                                        // m_hat / (sqrt(v_hat) + eps)
        if (settings.weightDecay() > 0) {
            p.muli(1 - lr * settings.weightDecay());                  // decoupled decay
        }
        p.subi(direction.muli(lr));
    }

    /**
     * Writes the moments and the step count to {@code file} (safetensors, F32, atomically), streaming
     * each moment from the engine in chunks: the moments never pass through the Java heap whole.
     */
    public void save(Path file) {
        Map<String, NDArray> byName = new LinkedHashMap<>();
        for (int i = 0; i < first.size(); i++) {
            byName.put("m." + i, first.get(i));
            byName.put("v." + i, second.get(i));
        }
        SafeTensorsWriter.write(file, HostWeights.ofArrays(byName), new ArrayList<>(byName.keySet()), DType.F32,
                Map.of("step", Long.toString(step), "optimizer", "adamw"));
    }

    /**
     * Restores moments and step count written by {@link #save}; shapes must match. Each moment is
     * copied from the memory-mapped file into the engine in chunks and then into place.
     */
    public void load(Path file) {
        boolean grad = Engines.gradMode(false);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            String stepText = f.metadata().get("step");
            if (stepText == null || !"adamw".equals(f.metadata().get("optimizer"))) {
                throw BadInputException.at(file, 0, "__metadata__", "is not an AdamW state (needs optimizer=adamw and step)");
            }
            for (int i = 0; i < first.size(); i++) {
                for (List<NDArray> moments : List.of(first, second)) {
                    String name = (moments == first ? "m." : "v.") + i;
                    NDArray target = moments.get(i);
                    long[] shape = f.info(name).shape();
                    if (!new Shape(shape).equals(target.getShape())) {
                        throw BadInputException.at(file, 0, name, "has shape " + new Shape(shape) + " but the parameter has "
                                + target.getShape());
                    }
                    try (NDManager scratch = manager.newSubManager()) {
                        target.set(new NDIndex(":"), f.readArray(name, scratch));
                    }
                }
            }
            step = Long.parseLong(stepText);
        } finally {
            Engines.gradMode(grad);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
