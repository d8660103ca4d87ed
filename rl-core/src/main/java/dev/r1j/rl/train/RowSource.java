package dev.r1j.rl.train;

import java.util.List;

/**
 * Where {@link SupervisedTrainer} takes its training rows from: an endless stream indexed by a
 * cursor that the trainer checkpoints, so that a resumed run asks for exactly the rows it would have
 * been given. {@link #shuffled} serves packed examples epoch after epoch; on-policy distillation
 * serves rows the model being trained writes itself.
 *
 * <p>A source must be a pure function of the cursor and of the model's current weights: it is asked
 * for rows once per optimiser step, before that step's gradients are recorded.
 */
@FunctionalInterface
public interface RowSource {

    /**
     * Rows for one optimiser step, and what making them cost.
     *
     * @param rows             {@code count} rows: those at cursors [cursor, cursor + count)
     * @param generatedTokens  tokens a model generated to make them (0 for stored data); the trainer
     *                         books them to the ledger's {@code generation} stage with the time spent
     */
    record Batch(List<SequencePacker.Row> rows, long generatedTokens) {
        public Batch {
            rows = List.copyOf(rows);
            if (generatedTokens < 0) {
                throw new IllegalArgumentException("generated tokens must be >= 0, was " + generatedTokens);
            }
        }
    }

    /**
     * The {@code count} rows at cursors [cursor, cursor + count).
     *
     * @param sequenceLength T: every row holds T + 1 tokens and T target flags
     */
    Batch rows(long cursor, int count, int sequenceLength);

    /**
     * Packed rows served endlessly: epoch e is the rows in an order shuffled by {@code seed} and e, so
     * the row at a cursor never depends on how the run was interrupted.
     *
     * @throws IllegalArgumentException if {@code rows} is empty
     */
    static RowSource shuffled(List<SequencePacker.Row> rows, long seed) {
        return new ShuffledRows(rows, seed);
    }
}
