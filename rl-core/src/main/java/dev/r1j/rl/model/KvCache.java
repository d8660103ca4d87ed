package dev.r1j.rl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the positions already processed, so that decoding one more token
 * costs one position's work instead of the whole sequence's. Buffers are allocated once at full
 * capacity and written in place: appending never copies the past. Keys are kept transposed
 * ([B, kv_heads, head_dim, capacity]) and values not ([B, kv_heads, capacity, head_dim]), so that both
 * attention products read a prefix of the buffer in the layout the matrix product wants. Owned by the manager it was created with; close that manager (or this cache) to free it.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private int batchSize;
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
        Shape keyShape = new Shape(batchSize, config.numKeyValueHeads(), config.headDim(), capacity);
        Shape valueShape = new Shape(batchSize, config.numKeyValueHeads(), capacity, config.headDim());
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(keyShape, DataType.FLOAT32);
            values[i] = manager.zeros(valueShape, DataType.FLOAT32);
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
     * and returns views of everything cached so far including them: transposed keys
     * [B, kv_heads, D, length + T] and values [B, kv_heads, length + T, D].
     * The caller advances the length with {@link #advance(int)} once every layer has appended.
     */
    NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        long t = newKeys.getShape().get(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        NDArray newKeysT = newKeys.transpose(0, 1, 3, 2);
        keys[layer].set(new NDIndex(":, :, :, {}:{}", length, length + t), newKeysT);
        values[layer].set(new NDIndex(":, :, {}:{}", length, length + t), newValues);
        NDArray k = keys[layer].get(new NDIndex(":, :, :, :{}", length + t));
        NDArray v = values[layer].get(new NDIndex(":, :, :{}", length + t));
        // The views are temporaries of this step; the buffers they look into stay with the cache.
        k.attach(newKeys.getManager());
        v.attach(newKeys.getManager());
        return new NDArray[] {k, v};
    }

    /**
     * Keeps only the rows {@code rows} (indices into the current batch, in the order given), so that
     * finished sequences stop costing work. The new buffers replace the old ones, which are freed.
     */
    public void retainRows(long[] rows) {
        NDManager m = keys[0].getManager();
        try (NDArray index = Engines.owned(m.create(rows))) {
            NDIndex select = new NDIndex("{}", index);
            for (int i = 0; i < keys.length; i++) {
                NDArray k = keys[i].get(select);
                NDArray v = values[i].get(select);
                keys[i].close();
                values[i].close();
                keys[i] = k;
                values[i] = v;
            }
        }
        batchSize = rows.length;
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
