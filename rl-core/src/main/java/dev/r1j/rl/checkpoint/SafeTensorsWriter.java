package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes float32 tensors as safetensors, atomically (temporary file, fsync, rename), streaming the data
 * so no single buffer holds the whole file. Also writes sharded checkpoints with the Hugging Face index.
 */
public final class SafeTensorsWriter {

    /** The index file Hugging Face writes beside sharded weights. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    /**
     * Writes {@code tensors} (name to row-major values, in iteration order) with {@code shapes} to
     * {@code file}, with {@code metadata} in the header.
     */
    public static void write(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes,
                             Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long[] shape = shapes.get(e.getKey());
            if (shape == null) {
                throw new IllegalArgumentException("no shape given for tensor '" + e.getKey() + "'");
            }
            long numel = 1;
            for (long d : shape) {
                numel *= d;
            }
            if (numel != e.getValue().length) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has " + e.getValue().length
                        + " values but shape " + java.util.Arrays.toString(shape) + " needs " + numel);
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var s = t.putArray("shape");
            for (long d : shape) {
                s.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + 4L * numel);
            offset += 4L * numel;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (headerBytes.length + 7) / 8 * 8;
        byte[] head = java.util.Arrays.copyOf(headerBytes, padded);
        java.util.Arrays.fill(head, headerBytes.length, padded, (byte) ' ');
        AtomicFiles.write(file, raw -> {
            OutputStream out = new BufferedOutputStream(raw, 1 << 20);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(head);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] values : tensors.values()) {
                for (float v : values) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(v);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
            out.flush();
        });
    }

    /**
     * Writes {@code tensors} into {@code dir} as one {@code model.safetensors} when they fit in
     * {@code maxShardBytes}, else as {@code model-0000i-of-0000N.safetensors} shards plus
     * {@value #INDEX_FILE}. Returns the files written.
     */
    public static List<Path> writeModel(Path dir, Map<String, float[]> tensors, Map<String, long[]> shapes,
                                        Map<String, String> metadata, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("max shard size must be positive, was " + maxShardBytes);
        }
        List<Map<String, float[]>> shards = new ArrayList<>();
        Map<String, float[]> current = new LinkedHashMap<>();
        long currentBytes = 0;
        long total = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long bytes = 4L * e.getValue().length;
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve("model.safetensors");
            write(f, tensors, shapes, metadata);
            written.add(f);
            return written;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path f = dir.resolve(name);
            write(f, shards.get(i), shapes, metadata);
            shards.get(i).keySet().forEach(t -> weightMap.put(t, name));
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
}
