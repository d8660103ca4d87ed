package dev.r1j.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of files, streamed: the identity provenance, manifests and the built-in model index record.
 * One place, so every hash in r1j means the same thing.
 */
public final class Sha256 {

    private final MessageDigest digest;

    private Sha256() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** An empty digest to feed. */
    public static Sha256 start() {
        return new Sha256();
    }

    /** The hex SHA-256 of the bytes of {@code files}, one after the other. */
    public static String ofFiles(Path... files) {
        Sha256 h = start();
        for (Path f : files) {
            h.file(f);
        }
        return h.hex();
    }

    /** Adds the bytes of {@code file}. */
    public Sha256 file(Path file) {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file, e);
        }
        return this;
    }

    /** Adds {@code text} as UTF-8. */
    public Sha256 text(String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** The digest of everything added, in hex; the digest is reset. */
    public String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
