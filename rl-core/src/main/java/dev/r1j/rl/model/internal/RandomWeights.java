package dev.r1j.rl.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.r1j.rl.model.HostWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Random initial weights as Hugging Face initialises these families (normal(0, 0.02) matrices and
 * embeddings, zero biases, unit norm gains), generated on demand, any tensor and any chunk of it, so
 * a model of any size can be initialised or written to disk holding one chunk at a time.
 *
 * <p>The values are those of one {@link java.util.SplittableRandom} seeded with {@code seed} drawn
 * through the tensors in checkpoint order, two doubles per Box–Muller normal (norms and biases draw
 * nothing): r1j's random models have always been made that way. SplittableRandom is SplitMix64, whose
 * n-th output is a pure function of {@code seed + n * gamma}, so the n-th draw is computed directly
 * instead of by drawing everything before it.
 */
public final class RandomWeights implements HostWeights {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;
    private static final double STD = 0.02;

    private final Map<String, long[]> shapes;
    private final Map<String, Long> firstNormal = new LinkedHashMap<>();
    private final long seed;

    /** Weights of the given names and shapes, in checkpoint order, for {@code seed}. */
    public RandomWeights(Map<String, long[]> shapes, long seed) {
        this.shapes = new LinkedHashMap<>(shapes);
        this.seed = seed;
        long normals = 0;
        for (Map.Entry<String, long[]> e : this.shapes.entrySet()) {
            if (kind(e.getKey()) == Kind.NORMAL) {
                firstNormal.put(e.getKey(), normals);
                normals += DecoderWeights.numel(e.getValue());
            }
        }
    }

    private enum Kind { ONES, ZEROS, NORMAL }

    private static Kind kind(String name) {
        if (name.endsWith("norm.weight")) {
            return Kind.ONES;
        }
        return name.endsWith(".bias") ? Kind.ZEROS : Kind.NORMAL;
    }

    @Override
    public Set<String> names() {
        return shapes.keySet();
    }

    @Override
    public long[] shape(String name) {
        return known(name).clone();
    }

    @Override
    public float[] read(String name) {
        float[] out = new float[Math.toIntExact(DecoderWeights.numel(known(name)))];
        fill(name, 0, FloatBuffer.wrap(out), out.length);
        return out;
    }

    @Override
    public void stream(String name, Chunks sink) throws IOException {
        long n = DecoderWeights.numel(known(name));
        int perChunk = STREAM_CHUNK_BYTES / Float.BYTES;
        ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(n, perChunk) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long at = 0; at < n; at += perChunk) {
            int count = (int) Math.min(perChunk, n - at);
            bytes.clear();
            fill(name, at, bytes.asFloatBuffer(), count);
            bytes.limit(count * Float.BYTES);
            sink.accept(bytes);
        }
    }

    @Override
    public NDArray toArray(String name, NDManager m) {
        return HostWeights.arrayFromStream(this, name, m);
    }

    /** Elements {@code [from, from + count)} of tensor {@code name}, put into {@code out} from its position. */
    private void fill(String name, long from, FloatBuffer out, int count) {
        switch (kind(name)) {
            case ONES, ZEROS -> {
                float v = kind(name) == Kind.ONES ? 1f : 0f;
                for (int i = 0; i < count; i++) {
                    out.put(v);
                }
            }
            case NORMAL -> {
                long k = firstNormal.get(name) + from;
                for (int i = 0; i < count; i++, k++) {
                    // Normal k uses the (2k+1)-th and (2k+2)-th draws of the stream.
                    double u1 = uniform(2 * k + 1);
                    double u2 = uniform(2 * k + 2);
                    double normal = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
                    out.put((float) (normal * STD));
                }
            }
        }
    }

    /** The n-th (from 1) {@code nextDouble()} of {@code new SplittableRandom(seed)}. */
    private double uniform(long n) {
        return (mix64(seed + n * GOLDEN_GAMMA) >>> 11) * DOUBLE_UNIT;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private long[] known(String name) {
        long[] s = shapes.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' among the " + shapes.size() + " to initialise");
        }
        return s;
    }
}
