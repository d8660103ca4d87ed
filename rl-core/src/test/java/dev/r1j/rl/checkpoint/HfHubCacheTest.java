package dev.r1j.rl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model ids resolved from a local Hugging Face cache, offline, as huggingface_hub lays it out. */
class HfHubCacheTest {

    @TempDir
    Path tmp;

    Path cached(Path hub, String org, String name, String commit) throws Exception {
        Path repo = hub.resolve("models--" + org + "--" + name);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit); // huggingface_hub writes it without a newline
        return Files.createDirectories(repo.resolve("snapshots").resolve(commit));
    }

    @Test
    void theCacheIsHfHubCacheElseHfHomeHubElseTheDefault() {
        Path home = tmp.resolve("home");
        assertEquals(Path.of("/a"), HfHubCache.from(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b"), home).root());
        assertEquals(Path.of("/b/hub"), HfHubCache.from(Map.of("HF_HOME", "/b"), home).root());
        assertEquals(home.resolve(".cache/huggingface/hub"), HfHubCache.from(Map.of(), home).root());
    }

    @Test
    void anIdResolvesToTheSnapshotItsMainRefNames() throws Exception {
        Path hub = tmp.resolve("hub");
        Path snapshot = cached(hub, "Qwen", "Qwen2.5-0.5B", "060db6499f32faf8b98477b0a26969ef7d8b9987");
        cached(hub, "Qwen", "Qwen2.5-0.5B-Instruct", "aaaa");
        HfHubCache cache = HfHubCache.from(Map.of("HF_HUB_CACHE", hub.toString()), tmp);
        assertEquals(snapshot, cache.resolve("Qwen/Qwen2.5-0.5B"));
        assertEquals(snapshot, cache.find("Qwen/Qwen2.5-0.5B").orElseThrow());
        assertTrue(cache.find(tmp.toString()).isEmpty(), "an existing path is itself");
        assertTrue(cache.find("builtin:arith-teacher-base").isEmpty(), "not an id");
        assertFalse(HfHubCache.looksLikeId("./Qwen/x"));
        assertFalse(HfHubCache.looksLikeId("/abs/path"));
        assertFalse(HfHubCache.looksLikeId("a/b/c"));
    }

    @Test
    void aMissingModelSaysWhereItLooked() throws Exception {
        Path hub = tmp.resolve("hub");
        HfHubCache cache = HfHubCache.from(Map.of("HF_HOME", tmp.toString()), tmp);
        BadInputException e = assertThrows(BadInputException.class, () -> cache.resolve("meta-llama/Llama-3.2-1B"));
        assertTrue(e.getMessage().contains(tmp.resolve("hub/models--meta-llama--Llama-3.2-1B/refs/main").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("HF_HOME/hub"), e.getMessage());
        Path repo = hub.resolve("models--org--gone");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "deadbeef");
        HfHubCache inHub = HfHubCache.from(Map.of("HF_HUB_CACHE", hub.toString()), tmp);
        e = assertThrows(BadInputException.class, () -> inHub.resolve("org/gone"));
        assertTrue(e.getMessage().contains("snapshots/deadbeef"), e.getMessage());
        assertTrue(inHub.find("org/gone").isEmpty(), "a reference that resolves to nothing stays a path");
        assertTrue(inHub.whereItLooked("org/gone").orElseThrow().contains("snapshots/deadbeef"));
        assertTrue(inHub.whereItLooked("/abs/path").isEmpty());
    }
}
