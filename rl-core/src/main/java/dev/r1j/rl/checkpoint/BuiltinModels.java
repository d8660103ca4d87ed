package dev.r1j.rl.checkpoint;

import dev.r1j.common.BadInputException;
import dev.r1j.common.AtomicFiles;
import dev.r1j.common.Sha256;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models r1j ships, named {@code builtin:NAME}. They live as class-path resources of the
 * {@code r1j-models} artifact under {@code dev/r1j/models/}, listed with their SHA-256 in
 * {@code dev/r1j/models/index.txt} ({@code NAME/FILE SHA256} a line). Checkpoints are memory-mapped
 * from files, so a model is copied once into a cache directory named after its content hash and
 * verified; later uses find it there.
 *
 * <p>The cache is {@code $R1J_CACHE/builtin}, else {@code ~/.cache/r1j/builtin}.
 */
public final class BuiltinModels {

    /** The prefix of a built-in model reference. */
    public static final String PREFIX = "builtin:";

    private static final String ROOT = "dev/r1j/models/";
    private static final String INDEX = ROOT + "index.txt";

    private BuiltinModels() {}

    /** Whether {@code ref} names a built-in model rather than a path. */
    public static boolean isBuiltin(String ref) {
        return ref.startsWith(PREFIX);
    }

    /** Names of the built-in models on the class path, in index order; empty without {@code r1j-models}. */
    public static List<String> names() {
        return new ArrayList<>(index().keySet());
    }

    /**
     * The directory of a model reference: {@code builtin:NAME} is extracted to the cache (once) and
     * its directory returned; a Hugging Face model id ({@code ORG/NAME}) that is not an existing path
     * but is in the local hub cache ({@link HfHubCache}) is its cached snapshot; anything else is taken
     * as a path (whose absence the caller reports, with {@link HfHubCache#whereItLooked}).
     *
     * @throws BadInputException when the name is unknown, naming the known ones
     */
    public static Path resolve(String ref) {
        if (!isBuiltin(ref)) {
            // A path as given, or a Hugging Face model id (ORG/NAME) found offline in the local hub cache.
            return HfHubCache.fromEnvironment().find(ref).orElse(Path.of(ref));
        }
        String name = ref.substring(PREFIX.length());
        Map<String, Map<String, String>> index = index();
        Map<String, String> files = index.get(name);
        if (files == null) {
            throw new BadInputException(index.isEmpty()
                    ? "'" + ref + "': no built-in models on the class path (add the dev.r1j:r1j-models dependency)"
                    : "'" + ref + "' is not a built-in model; known: " + String.join(", ", index.keySet()));
        }
        return extract(name, files, cacheRoot());
    }

    static Path cacheRoot() {
        String env = System.getenv("R1J_CACHE");
        Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "r1j");
        return base.resolve("builtin");
    }

    /** Copies {@code files} of model {@code name} into {@code root/NAME-HASH} unless a verified copy is there. */
    static Path extract(String name, Map<String, String> files, Path root) {
        String hash = combinedHash(files);
        Path dir = root.resolve(name + "-" + hash.substring(0, 16));
        if (Files.exists(dir.resolve(".complete"))) {
            return dir;
        }
        AtomicFiles.replaceDirectory(dir, tmp -> {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path target = tmp.resolve(f.getKey());
                try (InputStream in = open(ROOT + name + "/" + f.getKey())) {
                    Files.copy(in, target);
                }
                String actual = sha256(target);
                if (!actual.equals(f.getValue())) {
                    throw new IllegalStateException("built-in model " + name + ": " + f.getKey() + " has SHA-256 " + actual
                            + ", the index says " + f.getValue() + " (a damaged r1j-models jar?)");
                }
            }
            Files.writeString(tmp.resolve(".complete"), hash + "\n");
        });
        return dir;
    }

    /** NAME → (FILE → SHA-256), in index order. */
    static Map<String, Map<String, String>> index() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Optional<InputStream> stream = Optional.ofNullable(BuiltinModels.class.getClassLoader().getResourceAsStream(INDEX));
        if (stream.isEmpty()) {
            return out;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.get(), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                int slash = parts[0].indexOf('/');
                if (parts.length != 2 || slash < 1 || parts[1].length() != 64) {
                    throw new IllegalStateException(INDEX + ":" + n + ": expected 'NAME/FILE SHA256', was '" + line + "'");
                }
                out.computeIfAbsent(parts[0].substring(0, slash), k -> new LinkedHashMap<>())
                        .put(parts[0].substring(slash + 1), parts[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX, e);
        }
        return out;
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = BuiltinModels.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("resource " + resource + " is listed in " + INDEX + " but missing");
        }
        return in;
    }

    private static String combinedHash(Map<String, String> files) {
        Sha256 h = Sha256.start();
        files.forEach((f, hash) -> h.text(f + " " + hash + "\n"));
        return h.hex();
    }

    static String sha256(Path file) {
        return Sha256.ofFiles(file);
    }
}
