package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.model.HostWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as safetensors, atomically (temporary file, fsync, rename), one tensor and one chunk
 * at a time: a source hands over each tensor's float32 bytes in bounded chunks (engine memory, a
 * memory mapping, or generated values), which go to the file channel as they are or narrowed to F16 or
 * BF16 through a chunk-sized buffer. Nothing holds a whole tensor, let alone the model, on the heap.
 * Also writes sharded checkpoints with the Hugging Face index.
 */
public final class SafeTensorsWriter {

    /** The index file Hugging Face writes beside sharded weights. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    /**
     * Writes {@code tensors} (name to row-major values, in iteration order) with {@code shapes} to
     * {@code file} as F32, with {@code metadata} in the header. For values already on the heap.
     */
    public static void write(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes,
                             Map<String, String> metadata) {
        write(file, heap(tensors, shapes), new ArrayList<>(tensors.keySet()), DType.F32, metadata);
    }

    /**
     * Writes the tensors {@code names} of {@code source}, in that order, to {@code file} as
     * {@code dtype}, with {@code metadata} in the header, streaming each tensor from the source.
     */
    public static void write(Path file, HostWeights source, List<String> names, DType dtype, Map<String, String> metadata) {
        if (!dtype.writable()) {
            throw new IllegalArgumentException("r1j writes F32, F16 and BF16 weights, not " + dtype);
        }
        byte[] head = header(source, names, dtype, metadata);
        AtomicFiles.writeChannel(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length);
            writeFully(ch, len.flip());
            writeFully(ch, ByteBuffer.wrap(head));
            // One chunk-sized buffer for the whole file: the only heap this writer holds besides the header.
            ByteBuffer narrowed = dtype == DType.F32 ? null
                    : ByteBuffer.allocate(HostWeights.STREAM_CHUNK_BYTES / 2).order(ByteOrder.LITTLE_ENDIAN);
            for (String name : names) {
                long expected = numel(source.shape(name)) * dtype.bytes();
                long[] written = {0};
                source.stream(name, chunk -> {
                    if (chunk.remaining() % Float.BYTES != 0) {
                        throw new IllegalStateException("tensor '" + name + "': a chunk of " + chunk.remaining()
                                + " bytes is not whole float32 values");
                    }
                    if (narrowed == null) {
                        written[0] += chunk.remaining();
                        writeFully(ch, chunk);
                        return;
                    }
                    while (chunk.hasRemaining()) {
                        ByteBuffer part = chunk.slice().order(ByteOrder.LITTLE_ENDIAN);
                        int values = Math.min(part.remaining() / Float.BYTES, narrowed.capacity() / dtype.bytes());
                        part.limit(values * Float.BYTES);
                        narrowed.clear();
                        FloatCodec.fromF32(part, dtype, narrowed);
                        narrowed.flip();
                        written[0] += narrowed.remaining();
                        writeFully(ch, narrowed);
                        chunk.position(chunk.position() + values * Float.BYTES);
                    }
                });
                if (written[0] != expected) {
                    throw new IllegalStateException("tensor '" + name + "' gave " + written[0] + " bytes of " + dtype
                            + ", its shape " + Arrays.toString(source.shape(name)) + " needs " + expected);
                }
            }
        });
    }

    /** The header: 8-byte aligned JSON naming each tensor's dtype, shape and byte range. */
    private static byte[] header(HostWeights source, List<String> names, DType dtype, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (String name : names) {
            long[] shape = source.shape(name);
            long bytes = numel(shape) * dtype.bytes();
            ObjectNode t = header.putObject(name);
            t.put("dtype", dtype.name());
            var s = t.putArray("shape");
            for (long d : shape) {
                s.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (headerBytes.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(headerBytes, padded);
        Arrays.fill(head, headerBytes.length, padded, (byte) ' ');
        return head;
    }

    /**
     * Writes {@code tensors} into {@code dir} as F32, one {@code model.safetensors} when they fit in
     * {@code maxShardBytes}, else shards plus {@value #INDEX_FILE}. For values already on the heap.
     */
    public static List<Path> writeModel(Path dir, Map<String, float[]> tensors, Map<String, long[]> shapes,
                                        Map<String, String> metadata, long maxShardBytes) {
        return writeModel(dir, heap(tensors, shapes), new ArrayList<>(tensors.keySet()), DType.F32, metadata, maxShardBytes);
    }

    /**
     * Writes the tensors {@code names} of {@code source} into {@code dir} as {@code dtype}: one
     * {@code model.safetensors} when they fit in {@code maxShardBytes}, else
     * {@code model-0000i-of-0000N.safetensors} shards of at most {@code maxShardBytes} each (a tensor
     * larger than that gets a shard of its own), plus {@value #INDEX_FILE} with {@code weight_map} and
     * {@code metadata.total_size}, as Hugging Face's {@code save_pretrained(max_shard_size=...)} writes
     * them. Returns the files written.
     */
    public static List<Path> writeModel(Path dir, HostWeights source, List<String> names, DType dtype,
                                        Map<String, String> metadata, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("max shard size must be positive, was " + maxShardBytes);
        }
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long currentBytes = 0;
        long total = 0;
        for (String name : names) {
            long bytes = numel(source.shape(name)) * dtype.bytes();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(name);
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve("model.safetensors");
            write(f, source, names, dtype, metadata);
            written.add(f);
            return written;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path f = dir.resolve(name);
            write(f, source, shards.get(i), dtype, metadata);
            shards.get(i).forEach(t -> weightMap.put(t, name));
            written.add(f);
        }
        Path indexFile = dir.resolve(INDEX_FILE);
        try {
            AtomicFiles.writeString(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        written.add(indexFile);
        return written;
    }

    private static HostWeights heap(Map<String, float[]> tensors, Map<String, long[]> shapes) {
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long[] shape = shapes.get(e.getKey());
            if (shape == null) {
                throw new IllegalArgumentException("no shape given for tensor '" + e.getKey() + "'");
            }
            if (numel(shape) != e.getValue().length) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has " + e.getValue().length
                        + " values but shape " + Arrays.toString(shape) + " needs " + numel(shape));
            }
        }
        return new DecoderWeights.MapWeights(tensors, shapes);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
