package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisedTrainerTest {

    @TempDir
    Path tmp;

    static final TransformerConfig TINY = TransformerConfig.builder().vocabSize(12).hiddenSize(16).intermediateSize(32)
            .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(64).tieWordEmbeddings(true).build();

    @Test
    void packingConcatenatesAndMasksPromptsAndBoundaries() {
        List<TrainingExample> ex = List.of(new TrainingExample(new int[] {1, 2, 3, 4}, 2),
                new TrainingExample(new int[] {5, 6, 7}, 0));
        List<SequencePacker.Row> rows = SequencePacker.pack(ex, 3, 0);
        // Stream 1 2 3 4 5 6 7; rows of 4 tokens starting every 3 (a row from 7 would have no target).
        assertEquals(2, rows.size());
        assertArrayEquals(new int[] {1, 2, 3, 4}, rows.get(0).tokens());
        // Targets 2 (prompt), 3 (learned), 4 (learned).
        assertArrayEquals(new float[] {0, 1, 1}, rows.get(0).targetMask());
        assertArrayEquals(new int[] {4, 5, 6, 7}, rows.get(1).tokens());
        // Targets 5 (first token of an example: not learned), 6, 7.
        assertArrayEquals(new float[] {0, 1, 1}, rows.get(1).targetMask());
        List<SequencePacker.Row> padded = SequencePacker.pack(List.of(new TrainingExample(new int[] {1, 2, 3, 4, 5}, 0)), 3, 0);
        assertArrayEquals(new int[] {4, 5, 0, 0}, padded.get(1).tokens());
        assertArrayEquals(new float[] {1, 0, 0}, padded.get(1).targetMask(), "padding never counts");
    }

    @Test
    void evaluationLossIsTheMaskedMeanNegativeLogLikelihood() {
        try (CausalLm model = CausalLm.randomInit(TINY, 1)) {
            TrainingExample e = new TrainingExample(new int[] {3, 4, 5, 6, 7}, 2);
            SupervisedTrainer t = new SupervisedTrainer(model, SupervisedConfig.builder().sequenceLength(4).batchSize(2)
                    .steps(1).warmupSteps(0).build(), tmp, 0, ProgressListener.silent());
            double loss = t.evaluate(List.of(e));
            // By hand: predictions of tokens 5, 6, 7 from the full forward of the sequence.
            float[][] logits = model.logits(new int[] {3, 4, 5, 6, 7});
            double expected = 0;
            for (int target = 2; target < 5; target++) {
                float[] row = logits[target - 1];
                double max = Double.NEGATIVE_INFINITY;
                for (float v : row) {
                    max = Math.max(max, v);
                }
                double z = 0;
                for (float v : row) {
                    z += Math.exp(v - max);
                }
                expected -= row[new int[] {3, 4, 5, 6, 7}[target]] - max - Math.log(z);
            }
            assertEquals(expected / 3, loss, 1e-5);
        }
    }

    static List<TrainingExample> corpus(int n, long seed) {
        // A learnable pattern: counting up modulo 10 from a random start.
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int start = r.nextInt(10);
            int[] seq = new int[8];
            for (int j = 0; j < 8; j++) {
                seq[j] = 1 + (start + j) % 10;
            }
            out.add(new TrainingExample(seq, 0));
        }
        return out;
    }

    SupervisedConfig config(long steps) {
        return SupervisedConfig.builder().batchSize(4).sequenceLength(16).gradientAccumulation(2).steps(steps)
                .learningRate(3e-2).warmupSteps(2).evalEvery(0).checkpointEvery(3).logEvery(1).seed(7).build();
    }

    @Test
    void lossFallsOnALearnablePattern() {
        try (CausalLm model = CausalLm.randomInit(TINY, 2)) {
            SupervisedTrainer t = new SupervisedTrainer(model, config(40), tmp.resolve("run"), 0, ProgressListener.silent());
            double before = t.evaluate(corpus(20, 9));
            int arrays = model.manager().getManagedArrays().size();
            t.train(corpus(200, 1), List.of());
            assertEquals(arrays, model.manager().getManagedArrays().size(), "no arrays left behind by 40 steps");
            double after = t.evaluate(corpus(20, 9));
            assertTrue(after < before * 0.5, "loss " + before + " -> " + after);
        }
    }

    @Test
    void resumingContinuesExactlyAsAnUninterruptedRun() throws Exception {
        List<TrainingExample> data = corpus(60, 3);
        float[] straight;
        try (CausalLm model = CausalLm.randomInit(TINY, 4)) {
            new SupervisedTrainer(model, config(6), tmp.resolve("straight"), 0, ProgressListener.silent()).train(data, List.of());
            straight = flatten(model.hfTensors());
        }
        Path run = tmp.resolve("interrupted");
        try (CausalLm model = CausalLm.randomInit(TINY, 4)) {
            new SupervisedTrainer(model, config(3), run, 0, ProgressListener.silent()).train(data, List.of());
        }
        List<String> messages = new ArrayList<>();
        float[] resumed;
        try (CausalLm fresh = CausalLm.randomInit(TINY, 99)) { // different weights: the checkpoint must replace them
            new SupervisedTrainer(fresh, config(6), run, 0, ProgressListener.lines(messages::add)).train(data, List.of());
            resumed = flatten(fresh.hfTensors());
        }
        assertTrue(messages.get(0).contains("resuming"), messages.toString());
        assertArrayEquals(straight, resumed, 0f);
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(6, metrics.size(), "one line per step, none repeated after resuming");
        assertEquals(6, new ObjectMapper().readTree(metrics.get(5)).get("step").asInt());
        assertTrue(Files.exists(run.resolve("checkpoints/step-6/optimizer.safetensors")));
    }

    static float[] flatten(Map<String, float[]> tensors) {
        int n = tensors.values().stream().mapToInt(a -> a.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] a : tensors.values()) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
