package dev.r1j.rl.checkpoint;

import dev.r1j.common.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model ids ({@code ORG/NAME}) resolved offline from a local Hugging Face hub cache, the layout
 * {@code huggingface_hub} downloads into: {@code CACHE/models--ORG--NAME/refs/main} holds the commit
 * whose files are under {@code CACHE/models--ORG--NAME/snapshots/COMMIT/}. The cache is
 * {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}, as
 * {@code huggingface_hub} chooses it. Nothing is downloaded.
 */
public final class HfHubCache {

    /** {@code ORG/NAME} with the characters the hub allows in each part. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path root;
    private final String whence;

    private HfHubCache(Path root, String whence) {
        this.root = root;
        this.whence = whence;
    }

    /** The cache this process's environment names. */
    public static HfHubCache fromEnvironment() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The cache {@code env} names, with {@code home} for the default location. */
    public static HfHubCache from(Map<String, String> env, Path home) {
        String hub = env.get("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) {
            return new HfHubCache(Path.of(hub), "HF_HUB_CACHE");
        }
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return new HfHubCache(Path.of(hfHome).resolve("hub"), "HF_HOME/hub");
        }
        return new HfHubCache(home.resolve(".cache/huggingface/hub"), "the default ~/.cache/huggingface/hub");
    }

    /** Whether {@code ref} is spelled like a hub model id ({@code ORG/NAME}) rather than a path. */
    public static boolean looksLikeId(String ref) {
        return ID.matcher(ref).matches();
    }

    /** The cache directory. */
    public Path root() {
        return root;
    }

    /**
     * The snapshot directory of model {@code id} on its {@code main} ref.
     *
     * @throws BadInputException saying where it looked and what was missing
     */
    public Path resolve(String id) {
        if (!looksLikeId(id)) {
            throw new BadInputException("'" + id + "' is not a Hugging Face model id (ORG/NAME)");
        }
        String[] parts = id.split("/");
        Path repo = root.resolve("models--" + parts[0] + "--" + parts[1]);
        Path ref = repo.resolve("refs/main");
        String looked = "looked for " + ref + " in the Hugging Face cache " + root + " (" + whence
                + "; set HF_HUB_CACHE or HF_HOME to look elsewhere; nothing is downloaded)";
        if (!Files.isRegularFile(ref)) {
            throw new BadInputException("model '" + id + "' is not a directory and not in the local Hugging Face cache: "
                    + looked);
        }
        String commit;
        try {
            commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw BadInputException.at(ref, 0, null, "cannot read: " + e.getMessage());
        }
        if (commit.isEmpty() || commit.contains("/") || commit.contains("\\") || commit.startsWith(".")) {
            throw BadInputException.at(ref, 1, null, "must hold the commit of a snapshot, was '" + commit + "'");
        }
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        if (!Files.isDirectory(snapshot)) {
            throw BadInputException.at(ref, 1, null, "names snapshot " + commit + ", but " + snapshot + " does not exist");
        }
        return snapshot;
    }

    /**
     * The cached snapshot {@code ref} names when it is a model id that is not an existing path and is in
     * the cache; empty otherwise (a path, whether it exists or not, is the caller's to check).
     */
    public Optional<Path> find(String ref) {
        if (Files.exists(Path.of(ref)) || !looksLikeId(ref)) {
            return Optional.empty();
        }
        try {
            return Optional.of(resolve(ref));
        } catch (BadInputException e) {
            return Optional.empty();
        }
    }

    /**
     * For the message about a model reference that names no directory: where this cache was searched
     * when {@code ref} is spelled like a model id, else empty.
     */
    public Optional<String> whereItLooked(String ref) {
        if (!looksLikeId(ref)) {
            return Optional.empty();
        }
        try {
            resolve(ref);
            return Optional.empty();
        } catch (BadInputException e) {
            return Optional.of(e.getMessage());
        }
    }
}
