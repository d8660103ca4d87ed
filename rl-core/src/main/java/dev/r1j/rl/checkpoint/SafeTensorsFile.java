package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.HostWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw little-endian data. Tensors are read in
 * chunks of at most {@link HostWeights#STREAM_CHUNK_BYTES} through one reused buffer outside the heap,
 * so files and tensors larger than 2 GiB work; F16 and BF16 are converted to float32 in Java.
 *
 * <p>The data is read, not memory-mapped: a mapping stays in the process's resident memory until the
 * collector frees its buffer, and a checkpoint's worth of mapped chunks (1 GB for a 0.5 B model in
 * BF16) would then sit beside the engine's copy of the weights through the whole run. A file is read
 * by one thread at a time.
 *
 * <p>Everything in the header is validated when the file is opened; a bad file gives a
 * {@link BadInputException} naming the file and the tensor.
 */
public final class SafeTensorsFile implements AutoCloseable {

    static final int DEFAULT_CHUNK = 1 << 30;
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final int chunkBytes;
    private ByteBuffer readBuffer; // reused for every chunk read, direct and little-endian

    private SafeTensorsFile(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata, int chunkBytes) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
        this.chunkBytes = chunkBytes;
    }

    /** Opens and validates {@code file}. */
    public static SafeTensorsFile open(Path file) {
        return open(file, DEFAULT_CHUNK);
    }

    static SafeTensorsFile open(Path file, int chunkBytes) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, null, "no such file");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot open: " + e.getMessage());
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "truncated: " + size + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLen = len.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw bad(file, "header length " + headerLen + " is impossible for a file of " + size
                        + " bytes (truncated or not a safetensors file)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            String text = new String(header.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, TensorInfo> infos = parseHeader(file, text, dataSize, meta);
            return new SafeTensorsFile(file, ch, dataStart, infos, Collections.unmodifiableMap(meta), chunkBytes);
        } catch (IOException e) {
            closeQuietly(ch);
            throw BadInputException.at(file, 0, null, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path file, String text, long dataSize, Map<String, String> meta) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header must be a JSON object");
        }
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if (name.equals("__metadata__")) {
                t.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String where = "tensor '" + name + "'";
            if (!t.isObject()) {
                throw bad(file, where + " must be an object with dtype, shape and data_offsets");
            }
            String dtypeName = t.path("dtype").asText("");
            DType dtype = DType.fromHeader(dtypeName).orElseThrow(() -> bad(file, where + " has dtype '" + dtypeName
                    + "'; r1j reads F32, F16, BF16 and F64 weights"));
            JsonNode shapeNode = t.get("shape");
            JsonNode offsets = t.get("data_offsets");
            if (shapeNode == null || !shapeNode.isArray()) {
                throw bad(file, where + " has no shape array");
            }
            if (offsets == null || !offsets.isArray() || offsets.size() != 2
                    || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
                throw bad(file, where + " needs data_offsets [begin, end]");
            }
            long[] shape = new long[shapeNode.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) {
                    throw bad(file, where + " has an invalid dimension " + d);
                }
                shape[i] = d.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] outside the " + dataSize
                        + " data bytes (truncated file?)");
            }
            if (end - begin != numel * dtype.bytes()) {
                throw bad(file, where + " has " + (end - begin) + " data bytes, but shape " + java.util.Arrays.toString(shape)
                        + " of " + dtype + " needs " + numel * dtype.bytes());
            }
            infos.put(name, new TensorInfo(name, dtype, shape, begin, end));
        }
        List<TensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1);
            TensorInfo cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(file, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap in the data");
            }
        }
        return Collections.unmodifiableMap(infos);
    }

    public Path path() {
        return file;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** The header's {@code __metadata__} entries. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Where tensor {@code name} sits. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            List<String> some = new ArrayList<>(tensors.keySet()).subList(0, Math.min(5, tensors.size()));
            throw bad(file, "no tensor '" + name + "' (it has " + tensors.size() + ", e.g. " + some + ")");
        }
        return t;
    }

    /** The values of tensor {@code name} as float32, row-major. */
    public float[] readFloats(String name) {
        TensorInfo t = info(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw bad(file, "tensor '" + name + "' has " + n + " elements, more than one Java array holds");
        }
        float[] out = new float[(int) n];
        int bytes = t.dtype().bytes();
        long elementsPerChunk = Math.max(1, Math.min(chunkBytes, HostWeights.STREAM_CHUNK_BYTES) / bytes);
        int done = 0;
        try {
            while (done < n) {
                int count = (int) Math.min(elementsPerChunk, n - done);
                ByteBuffer buf = readChunk(dataStart + t.begin() + (long) done * bytes, count * bytes);
                decode(t.dtype(), buf, out, done, count);
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + file, e);
        }
        return out;
    }

    /**
     * Passes the values of tensor {@code name} to {@code sink} as float32 little-endian chunks of at most
     * {@link HostWeights#STREAM_CHUNK_BYTES}, read from the file one chunk at a time: the whole
     * tensor is never on the Java heap. The buffer passed to {@code sink} is valid only during the call.
     */
    public void stream(String name, HostWeights.Chunks sink) throws IOException {
        TensorInfo t = info(name);
        long n = t.numel();
        int bytes = t.dtype().bytes();
        int perChunk = (int) Math.max(1, Math.min(chunkBytes / bytes, HostWeights.STREAM_CHUNK_BYTES / Float.BYTES));
        ByteBuffer converted = t.dtype() == DType.F32 ? null
                : ByteBuffer.allocate((int) Math.min(n, perChunk) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < n; ) {
            int count = (int) Math.min(perChunk, n - done);
            ByteBuffer mapped = readChunk(dataStart + t.begin() + done * bytes, count * bytes);
            if (converted == null) {
                sink.accept(mapped);
            } else {
                converted.clear();
                FloatCodec.toF32(t.dtype(), mapped, converted, count);
                converted.flip();
                sink.accept(converted);
            }
            done += count;
        }
    }

    /**
     * Tensor {@code name} as a float32 engine array owned by {@code m}, read from the file in chunks of
     * rows (F32 straight from the read buffer, other types through a chunk-sized conversion buffer
     * outside the heap). The array's memory is the engine's own, not the file's.
     */
    public NDArray readArray(String name, NDManager m) {
        TensorInfo t = info(name);
        long[] shape = t.shape();
        long n = t.numel();
        int bytes = t.dtype().bytes();
        NDArray out = m.zeros(new Shape(shape), DataType.FLOAT32);
        if (n == 0) {
            return out;
        }
        long rows = shape.length == 0 ? 1 : shape[0];
        long rowElements = n / rows;
        long maxElements = Math.max(1, Math.min(chunkBytes / bytes, HostWeights.STREAM_CHUNK_BYTES / Float.BYTES));
        long rowsPerChunk = Math.max(1, maxElements / rowElements);
        boolean direct = t.dtype() == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        ByteBuffer converted = direct ? null : ByteBuffer.allocateDirect(
                Math.toIntExact(Math.min(rows, rowsPerChunk) * rowElements * Float.BYTES)).order(ByteOrder.nativeOrder());
        try {
            for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
                long count = Math.min(rowsPerChunk, rows - r0);
                long elements = count * rowElements;
                ByteBuffer mapped = readChunk(dataStart + t.begin() + r0 * rowElements * bytes,
                        Math.toIntExact(elements * bytes));
                ByteBuffer f32 = mapped;
                if (!direct) {
                    converted.clear();
                    decodeNative(t.dtype(), mapped, converted, (int) elements);
                    converted.flip();
                    f32 = converted;
                }
                long[] partShape = shape.clone();
                if (partShape.length > 0) {
                    partShape[0] = count;
                }
                try (NDManager scratch = m.newSubManager()) {
                    // The part only borrows the buffer; copying it into `out` makes the engine own the values.
                    NDArray part = scratch.create(f32, new Shape(partShape), DataType.FLOAT32);
                    if (shape.length == 0) {
                        out.close();
                        NDArray owned = part.duplicate();
                        owned.attach(m);
                        return owned;
                    }
                    out.set(new NDIndex(r0 + ":" + (r0 + count)), part);
                }
            }
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + file, e);
        }
        return out;
    }

    /** Like {@link FloatCodec#toF32} but into a native-order buffer, as the engine reads it. */
    private static void decodeNative(DType dtype, ByteBuffer src, ByteBuffer dst, int count) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            FloatCodec.toF32(dtype, src, dst, count);
            return;
        }
        ByteBuffer le = ByteBuffer.allocate(count * Float.BYTES);
        FloatCodec.toF32(dtype, src, le, count);
        le.flip().order(ByteOrder.LITTLE_ENDIAN);
        while (le.hasRemaining()) {
            dst.putFloat(le.getFloat());
        }
    }

    private static void decode(DType dtype, ByteBuffer buf, float[] out, int at, int count) {
        switch (dtype) {
            case F32 -> buf.asFloatBuffer().get(out, at, count);
            case F64 -> {
                var d = buf.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    out[at + i] = (float) d.get(i);
                }
            }
            case BF16 -> {
                var s = buf.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    out[at + i] = Float.intBitsToFloat((s.get(i) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                var s = buf.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    out[at + i] = halfToFloat(s.get(i));
                }
            }
        }
    }

    /** IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included). */
    static float halfToFloat(short half) {
        return FloatCodec.halfToFloat(half);
    }

    /**
     * {@code length} bytes from {@code position} in the reused read buffer, positioned at 0, limited to
     * {@code length}, little-endian. The buffer grows to the largest chunk asked for (at most
     * {@link HostWeights#STREAM_CHUNK_BYTES} from the readers above; a row longer than that, as one
     * readArray chunk, is read whole).
     */
    private ByteBuffer readChunk(long position, int length) throws IOException {
        if (readBuffer == null || readBuffer.capacity() < length) {
            readBuffer = ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN);
        }
        readBuffer.clear().limit(length);
        readFully(channel, readBuffer, position);
        readBuffer.flip();
        return readBuffer;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static BadInputException bad(Path file, String what) {
        return BadInputException.at(file, 0, null, what);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
