package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the positions already processed, so that decoding one more token
 * costs one position's work instead of the whole sequence's. Buffers are allocated once at full
 * capacity ([B, kv_heads, capacity, head_dim] per layer) and written in place: appending never copies
 * the past. Owned by the manager it was created with; close that manager (or this cache) to free it.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batchSize;
    private final int capacity;
    private int length;

    KvCache(NDManager manager, TransformerConfig config, int batchSize, int capacity) {
        if (batchSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("batch size and capacity must be positive, were "
                    + batchSize + " and " + capacity);
        }
        this.batchSize = batchSize;
        this.capacity = capacity;
        int layers = config.numHiddenLayers();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        Shape shape = new Shape(batchSize, config.numKeyValueHeads(), capacity, config.headDim());
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, DataType.FLOAT32);
            values[i] = manager.zeros(shape, DataType.FLOAT32);
        }
    }

    /** Positions held so far. */
    public int length() {
        return length;
    }

    /** Positions this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Rows (sequences) this cache holds. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Writes layer {@code layer}'s new keys and values ([B, kv_heads, T, D]) after the cached positions
     * and returns views of everything cached so far including them ([B, kv_heads, length + T, D]).
     * The caller advances the length with {@link #advance(int)} once every layer has appended.
     */
    NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        long t = newKeys.getShape().get(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        NDIndex slot = new NDIndex(":, :, {}:{}", length, length + t);
        keys[layer].set(slot, newKeys);
        values[layer].set(slot, newValues);
        NDIndex filled = new NDIndex(":, :, :{}", length + t);
        return new NDArray[] {keys[layer].get(filled), values[layer].get(filled)};
    }

    void advance(int t) {
        length += t;
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}
