package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Named float32 weights in the Hugging Face layout (a linear layer's weight is [out_features,
 * in_features]): the hand-off between checkpoint files (read memory-mapped, converted from F16/BF16),
 * the engine and writers. A source hands out one tensor at a time, so that no caller needs the whole
 * model on the Java heap: {@link #stream} passes a tensor's bytes in bounded chunks, {@link #toArray}
 * puts it straight into an engine array; {@link #read} is the heap form, for one tensor.
 *
 * <p>Sources: {@link dev.r1j.rl.checkpoint.ModelWeightsFiles} (a model directory's safetensors,
 * memory-mapped), {@link CausalLm#hfWeights()} (a live view of a model's engine arrays) and
 * {@link #of} (tensors on the heap). Consumers: {@link CausalLm#fromWeights}, the checkpoint writers,
 * and exporters such as the ONNX one.
 */
public interface HostWeights {

    /** The most bytes a default {@link #stream} chunk holds; sources that map or copy use this too. */
    int STREAM_CHUNK_BYTES = 4 << 20;

    /** Receives one chunk of a tensor: float32 values, little-endian, row-major, in order. */
    @FunctionalInterface
    interface Chunks {
        /** {@code f32} is readable from its position to its limit and valid only during this call. */
        void accept(ByteBuffer f32) throws IOException;
    }

    Set<String> names();

    /** The shape of tensor {@code name} as stored. */
    long[] shape(String name);

    /** The values of tensor {@code name}, row-major, converted to float32: one tensor on the heap. */
    float[] read(String name);

    /**
     * Passes the values of tensor {@code name} to {@code sink} as float32 little-endian chunks of at most
     * about {@link #STREAM_CHUNK_BYTES}. This default reads the tensor once onto the heap; sources backed
     * by files or engine arrays override it so that only a chunk is ever copied.
     */
    default void stream(String name, Chunks sink) throws IOException {
        float[] values = read(name);
        int perChunk = STREAM_CHUNK_BYTES / Float.BYTES;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(values.length, perChunk) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < values.length; at += perChunk) {
            int n = Math.min(perChunk, values.length - at);
            buf.clear();
            buf.asFloatBuffer().put(values, at, n);
            buf.limit(n * Float.BYTES);
            sink.accept(buf);
        }
    }

    /**
     * Tensor {@code name} as a float32 engine array shaped as stored, owned by {@code m} and by the
     * engine (not backed by a Java buffer). This default goes through {@link #read}; file-backed
     * sources copy from the mapping in chunks instead.
     */
    default NDArray toArray(String name, NDManager m) {
        try (NDManager scratch = m.newSubManager()) {
            NDArray viaJava = scratch.create(read(name), new Shape(shape(name)));
            NDArray owned = viaJava.duplicate(); // a copy the engine allocated, so the Java buffer can go
            owned.attach(m);
            return owned;
        }
    }

    /**
     * Tensor {@code name} of {@code w} as a float32 engine array owned by {@code m}, filled from
     * {@link #stream} chunk by chunk through one chunk-sized buffer outside the heap.
     */
    static NDArray arrayFromStream(HostWeights w, String name, NDManager m) {
        long[] shape = w.shape(name);
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        final long n = numel;
        NDArray out = m.zeros(new Shape(shape));
        ByteBuffer direct = ByteBuffer.allocateDirect((int) Math.max(Float.BYTES, Math.min(n * Float.BYTES, STREAM_CHUNK_BYTES)))
                .order(ByteOrder.nativeOrder());
        long[] at = {0};
        try (NDManager scratch = m.newSubManager()) {
            NDArray flat = out.reshape(new Shape(n)); // a view: writing it fills `out`
            flat.attach(scratch);
            w.stream(name, chunk -> {
                int count = chunk.remaining() / Float.BYTES;
                if (at[0] + count > n) {
                    throw new IllegalStateException("tensor '" + name + "' streamed more values than its shape holds");
                }
                direct.clear();
                direct.asFloatBuffer().put(chunk.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
                direct.limit(count * Float.BYTES);
                try (NDManager part = scratch.newSubManager()) {
                    // The part only borrows `direct`; the copy into `out` is the engine's own memory.
                    NDArray values = part.create(direct, new Shape(count), DataType.FLOAT32);
                    flat.set(new NDIndex(at[0] + ":" + (at[0] + count)), values);
                }
                at[0] += count;
            });
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException("cannot read tensor '" + name + "'", e);
        }
        if (at[0] != n) {
            out.close();
            throw new IllegalStateException("tensor '" + name + "' streamed " + at[0] + " values, its shape needs " + n);
        }
        return out;
    }

    /**
     * Passes engine array {@code a} (any layout; a transposed view is fine) to {@code sink} as float32
     * little-endian chunks of whole rows of at most about {@link #STREAM_CHUNK_BYTES}: each chunk is
     * the engine's memory itself when the rows are contiguous, else a row-major copy of just that
     * chunk, closed before the next.
     */
    static void streamArray(NDArray a, Chunks sink) throws IOException {
        long rows = a.getShape().dimension() == 0 ? 1 : a.getShape().get(0);
        long rowElements = Math.max(1, a.size() / Math.max(1, rows));
        long rowsPerChunk = Math.max(1, STREAM_CHUNK_BYTES / Float.BYTES / rowElements);
        for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
            long r1 = Math.min(rows, r0 + rowsPerChunk);
            try (NDScope scope = new NDScope()) {
                NDArray part = a.getShape().dimension() == 0 ? a.reshape(1) : a.get(new NDIndex(r0 + ":" + r1));
                ByteBuffer bytes = part.toByteBuffer(true).order(ByteOrder.nativeOrder());
                if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                    sink.accept(bytes.order(ByteOrder.LITTLE_ENDIAN));
                } else {
                    ByteBuffer le = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                    le.asFloatBuffer().put(bytes.asFloatBuffer());
                    sink.accept(le);
                }
            }
        }
    }

    /**
     * Heap tensors seen as named weights: {@code values} row-major float32 by name, {@code shapes} the
     * shape of each; the form tests and small adapters produce. The maps are used as given, not copied.
     */
    static HostWeights of(Map<String, float[]> values, Map<String, long[]> shapes) {
        return new DecoderWeights.MapWeights(values, shapes);
    }

    /** Float32 engine arrays seen as named weights (shapes as the arrays have them), streamed from engine memory. */
    static HostWeights ofArrays(Map<String, NDArray> arrays) {
        Map<String, NDArray> byName = new LinkedHashMap<>(arrays);
        return new HostWeights() {
            @Override
            public Set<String> names() {
                return byName.keySet();
            }

            @Override
            public long[] shape(String name) {
                return array(name).getShape().getShape();
            }

            @Override
            public float[] read(String name) {
                return array(name).toFloatArray();
            }

            @Override
            public void stream(String name, Chunks sink) throws IOException {
                streamArray(array(name), sink);
            }

            private NDArray array(String name) {
                NDArray a = byName.get(name);
                if (a == null) {
                    throw new IllegalArgumentException("no array '" + name + "' among " + byName.size());
                }
                return a;
            }
        };
    }

    /** The model directory these weights come from, when they come from one. */
    default Optional<Path> directory() {
        return Optional.empty();
    }
}
