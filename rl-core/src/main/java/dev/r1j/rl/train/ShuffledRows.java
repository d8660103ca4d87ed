package dev.r1j.rl.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** {@link RowSource#shuffled}: stored rows, reshuffled each epoch by a seed and the epoch number. */
final class ShuffledRows implements RowSource {

    private final List<SequencePacker.Row> rows;
    private final long seed;
    private List<Integer> order;
    private long orderEpoch = -1;

    ShuffledRows(List<SequencePacker.Row> rows, long seed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no training rows: the examples hold fewer than two tokens in all");
        }
        this.rows = List.copyOf(rows);
        this.seed = seed;
    }

    @Override
    public Batch rows(long cursor, int count, int sequenceLength) {
        List<SequencePacker.Row> out = new ArrayList<>(count);
        for (long c = cursor; c < cursor + count; c++) {
            SequencePacker.Row row = rowAt(c);
            if (row.tokens().length != sequenceLength + 1) {
                throw new IllegalArgumentException("rows were packed for sequence length " + (row.tokens().length - 1)
                        + ", the trainer runs " + sequenceLength);
            }
            out.add(row);
        }
        return new Batch(out, 0);
    }

    private SequencePacker.Row rowAt(long cursor) {
        int n = rows.size();
        long epoch = cursor / n;
        if (epoch != orderEpoch) {
            List<Integer> o = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                o.add(i);
            }
            Collections.shuffle(o, new Random(seed * 1_000_003L + epoch));
            order = o;
            orderEpoch = epoch;
        }
        return rows.get(order.get((int) (cursor % n)));
    }
}
