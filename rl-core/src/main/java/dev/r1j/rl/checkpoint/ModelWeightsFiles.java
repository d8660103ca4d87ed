package dev.r1j.rl.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.HostWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a model directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}, seen as one set of named tensors.
 */
public final class ModelWeightsFiles implements HostWeights, AutoCloseable {

    private final Path directory;
    private final Map<String, SafeTensorsFile> byTensor;
    private final Map<String, SafeTensorsFile> files;

    private ModelWeightsFiles(Path directory, Map<String, SafeTensorsFile> byTensor, Map<String, SafeTensorsFile> files) {
        this.directory = directory;
        this.byTensor = byTensor;
        this.files = files;
    }

    /** Opens the weights of model directory {@code dir}. */
    public static ModelWeightsFiles open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve(SafeTensorsWriter.INDEX_FILE);
        Map<String, SafeTensorsFile> files = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        try {
            if (Files.exists(index)) {
                JsonNode root;
                try {
                    root = new ObjectMapper().readTree(index.toFile());
                } catch (IOException e) {
                    throw BadInputException.at(index, 0, null, "not valid JSON: " + e.getMessage());
                }
                JsonNode map = root == null ? null : root.get("weight_map");
                if (map == null || !map.isObject()) {
                    throw BadInputException.at(index, 0, "weight_map", "is required (tensor name to shard file)");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String shard = e.getValue().asText();
                    if (shard.contains("/") || shard.contains("\\")) {
                        throw BadInputException.at(index, 0, "weight_map", "shard '" + shard + "' must be a file name in "
                                + "the model directory");
                    }
                    Path shardPath = dir.resolve(shard);
                    if (!Files.exists(shardPath)) {
                        throw BadInputException.at(index, 0, "weight_map", "names shard '" + shard
                                + "', which does not exist in " + dir);
                    }
                    SafeTensorsFile f = files.computeIfAbsent(shard, s -> SafeTensorsFile.open(shardPath));
                    if (!f.names().contains(e.getKey())) {
                        throw BadInputException.at(index, 0, "weight_map", "says tensor '" + e.getKey() + "' is in '"
                                + shard + "', but that shard does not hold it");
                    }
                    byTensor.put(e.getKey(), f);
                }
            } else if (Files.exists(single)) {
                SafeTensorsFile f = SafeTensorsFile.open(single);
                files.put(single.getFileName().toString(), f);
                f.names().forEach(n -> byTensor.put(n, f));
            } else {
                throw BadInputException.at(dir, 0, null, "no model.safetensors or " + SafeTensorsWriter.INDEX_FILE
                        + " in the model directory");
            }
        } catch (RuntimeException e) {
            files.values().forEach(SafeTensorsFile::close);
            throw e;
        }
        return new ModelWeightsFiles(dir, Collections.unmodifiableMap(byTensor), files);
    }

    @Override
    public Set<String> names() {
        return byTensor.keySet();
    }

    @Override
    public long[] shape(String name) {
        return file(name).info(name).shape();
    }

    @Override
    public float[] read(String name) {
        return file(name).readFloats(name);
    }

    /** Streams tensor {@code name} from its memory mapping, one chunk at a time. */
    @Override
    public void stream(String name, Chunks sink) throws IOException {
        file(name).stream(name, sink);
    }

    /** Copies tensor {@code name} from its memory mapping into an engine array, one chunk of rows at a time. */
    @Override
    public NDArray toArray(String name, NDManager m) {
        return file(name).readArray(name, m);
    }

    @Override
    public Optional<Path> directory() {
        return Optional.of(directory);
    }

    /**
     * The type most of the weights are stored in (by bytes), F32 for a directory without tensors: the
     * type a rewritten copy of this model keeps by default.
     */
    public DType storedDType() {
        Map<DType, Long> bytes = new java.util.EnumMap<>(DType.class);
        for (String n : byTensor.keySet()) {
            TensorInfo t = file(n).info(n);
            bytes.merge(t.dtype(), t.end() - t.begin(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
    }

    /** The stored type of tensor {@code name}. */
    public DType dtype(String name) {
        return file(name).info(name).dtype();
    }

    private SafeTensorsFile file(String name) {
        SafeTensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new BadInputException("no tensor '" + name + "' in the model's weights");
        }
        return f;
    }

    @Override
    public void close() {
        files.values().forEach(SafeTensorsFile::close);
    }
}
