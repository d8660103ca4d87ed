package dev.r1j.rl.checkpoint;

import java.util.Optional;

/**
 * How {@link Checkpoint} writes a model's weights. Immutable; start from {@link #defaults()} or
 * {@link #exact()}.
 *
 * @param dtype         the stored element type; empty (the default) keeps the type the model's source
 *                      directory stores most of its weights in ({@link dev.r1j.rl.model.CausalLm#origin()}),
 *                      F32 for a model that has no source directory. F32 is exact; F16 and BF16 round to
 *                      nearest even (half the bytes). Trainer checkpoints ({@code checkpoints/step-N}) are
 *                      always F32, because an exact resume needs the weights bit for bit.
 * @param maxShardBytes the most bytes of one weights file; a model larger than that is written as
 *                      shards with {@code model.safetensors.index.json}, as Hugging Face's
 *                      {@code max_shard_size}; default {@link #DEFAULT_MAX_SHARD_BYTES} (5 GB, Hugging
 *                      Face's default); must be positive
 */
public record WriteOptions(Optional<DType> dtype, long maxShardBytes) {

    /** Hugging Face's default {@code max_shard_size}, "5GB" (decimal gigabytes). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    public WriteOptions {
        dtype = dtype == null ? Optional.empty() : dtype;
        if (dtype.isPresent() && !dtype.get().writable()) {
            throw new IllegalArgumentException("weights can be written as F32, F16 or BF16, not " + dtype.get());
        }
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("max shard size must be positive, was " + maxShardBytes);
        }
    }

    /** The source's dtype, 5 GB shards. */
    public static WriteOptions defaults() {
        return new WriteOptions(Optional.empty(), DEFAULT_MAX_SHARD_BYTES);
    }

    /** F32, 5 GB shards: bit-exact weights, as exact resume needs. */
    public static WriteOptions exact() {
        return defaults().withDType(DType.F32);
    }

    public WriteOptions withDType(DType v) {
        return new WriteOptions(Optional.of(v), maxShardBytes);
    }

    public WriteOptions withMaxShardBytes(long v) {
        return new WriteOptions(dtype, v);
    }

    /**
     * Parses a shard size as Hugging Face spells {@code max_shard_size}: a number of bytes, or a number
     * with KB/MB/GB (powers of 1000) or KiB/MiB/GiB (powers of 1024), e.g. {@code 5GB}, {@code 500MB}.
     *
     * @throws IllegalArgumentException naming the rule when {@code text} is not such a size
     */
    public static long parseShardSize(String text) {
        String t = text.trim();
        String[][] units = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"},
                {"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};
        long multiplier = 1;
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                multiplier = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            long bytes = (long) (v * multiplier);
            if (!(v > 0) || bytes <= 0) {
                throw new NumberFormatException();
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a shard size: give bytes or a number with KB, MB, GB, "
                    + "KiB, MiB or GiB, e.g. 5GB");
        }
    }
}
