package dev.r1j.rl.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs examples back to back into rows of {@code T + 1} tokens (inputs are the first T, targets the
 * last T), so that no compute is spent on padding. Row k starts where row k-1's inputs ended.
 * Attention may cross example boundaries, as in GPT-style packed pre-training; the loss never counts
 * the first token of an example (predicted from the previous example) nor prompt tokens. The last row
 * is padded, with its padding masked out.
 */
public final class SequencePacker {

    /** One packed row: {@code tokens} [T + 1] and {@code targetMask} [T] (1 where target t+1 counts). */
    public record Row(int[] tokens, float[] targetMask) {
        /** Targets that count. */
        public int targets() {
            int n = 0;
            for (float m : targetMask) {
                n += m > 0 ? 1 : 0;
            }
            return n;
        }
    }

    private SequencePacker() {}

    public static List<Row> pack(List<TrainingExample> examples, int sequenceLength, int padId) {
        if (sequenceLength < 1) {
            throw new IllegalArgumentException("sequence length must be >= 1, was " + sequenceLength);
        }
        int total = examples.stream().mapToInt(TrainingExample::length).sum();
        int[] stream = new int[total];
        boolean[] counts = new boolean[total]; // counts[i]: predicting stream[i] from stream[..i) is learned
        int at = 0;
        for (TrainingExample e : examples) {
            for (int i = 0; i < e.length(); i++) {
                stream[at + i] = e.token(i);
                counts[at + i] = e.learns(i);
            }
            at += e.length();
        }
        List<Row> rows = new ArrayList<>();
        for (int start = 0; start + 1 < total; start += sequenceLength) {
            int[] tokens = new int[sequenceLength + 1];
            Arrays.fill(tokens, padId);
            float[] mask = new float[sequenceLength];
            int n = Math.min(sequenceLength + 1, total - start);
            System.arraycopy(stream, start, tokens, 0, n);
            for (int t = 0; t + 1 < n; t++) {
                mask[t] = counts[start + t + 1] ? 1f : 0f;
            }
            rows.add(new Row(tokens, mask));
        }
        return rows;
    }
}
