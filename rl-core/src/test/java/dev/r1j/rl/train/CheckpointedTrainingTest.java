package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.RopeScaling;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervised trainer with {@code gradient_checkpointing}: the weights of a few steps equal those
 * without it, a resumed run ends exactly as an uninterrupted one, no arrays accumulate, and the result
 * does not depend on when the garbage collector runs.
 */
class CheckpointedTrainingTest {

    @TempDir
    Path tmp;

    /** Two blocks (so that one block's input gradient feeds the next), qwen3's q/k norms, yarn rotary scaling. */
    private static final TransformerConfig QWEN3 = TransformerConfig.builder().family(ModelFamily.QWEN3).vocabSize(12)
            .hiddenSize(16).intermediateSize(32).numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).headDim(8)
            .maxPositionEmbeddings(64).tieWordEmbeddings(false).ropeScaling(RopeScaling.Yarn.of(4, 16)).build();

    private static SupervisedConfig config(long steps, boolean checkpointing) {
        return SupervisedConfig.builder().batchSize(4).sequenceLength(16).gradientAccumulation(2).steps(steps)
                .learningRate(3e-2).warmupSteps(2).evalEvery(0).checkpointEvery(3).logEvery(1).seed(7)
                .gradientCheckpointing(checkpointing).build();
    }

    private float[] train(TransformerConfig model, long steps, boolean checkpointing, Path run) {
        try (CausalLm lm = CausalLm.randomInit(model, 4)) {
            new SupervisedTrainer(lm, config(steps, checkpointing), run, 0, ProgressListener.silent())
                    .train(SupervisedTrainerTest.corpus(60, 3), List.of());
            return SupervisedTrainerTest.flatten(lm.hfTensors());
        }
    }

    @Test
    void aFewStepsGiveTheWeightsOfTheRecordedPass() {
        for (TransformerConfig model : List.of(SupervisedTrainerTest.TINY, QWEN3)) {
            float[] recorded = train(model, 5, false, tmp.resolve("recorded-" + model.family()));
            float[] recomputed = train(model, 5, true, tmp.resolve("recomputed-" + model.family()));
            assertArrayEquals(recorded, recomputed, 1e-5f, model.family() + ": weights after 5 steps");
            float[] initial;
            try (CausalLm lm = CausalLm.randomInit(model, 4)) {
                initial = SupervisedTrainerTest.flatten(lm.hfTensors());
            }
            double moved = 0;
            for (int i = 0; i < initial.length; i++) {
                moved = Math.max(moved, Math.abs(initial[i] - recomputed[i]));
            }
            assertTrue(moved > 1e-2, model.family() + ": training moved the weights (" + moved + ")");
        }
    }

    @Test
    void resumingContinuesExactlyAsAnUninterruptedRun() {
        float[] straight = train(QWEN3, 6, true, tmp.resolve("straight"));
        Path run = tmp.resolve("interrupted");
        train(QWEN3, 3, true, run);
        List<String> messages = new ArrayList<>();
        float[] resumed;
        try (CausalLm fresh = CausalLm.randomInit(QWEN3, 99)) {
            new SupervisedTrainer(fresh, config(6, true), run, 0, ProgressListener.lines(messages::add))
                    .train(SupervisedTrainerTest.corpus(60, 3), List.of());
            resumed = SupervisedTrainerTest.flatten(fresh.hfTensors());
        }
        assertTrue(messages.get(0).contains("resuming"), messages.toString());
        assertArrayEquals(straight, resumed, 0f);
    }

    @Test
    void noArraysAreLeftBehind() {
        try (CausalLm lm = CausalLm.randomInit(QWEN3, 2)) {
            SupervisedTrainer t = new SupervisedTrainer(lm, config(8, true), tmp.resolve("run"), 0, ProgressListener.silent());
            int arrays = lm.manager().getManagedArrays().size();
            t.train(SupervisedTrainerTest.corpus(100, 1), List.of());
            assertEquals(arrays, lm.manager().getManagedArrays().size(), "no arrays left behind by 8 steps");
        }
    }

    @Test
    void theWeightsDoNotDependOnGarbageCollection() throws Exception {
        float[] quiet = train(QWEN3, 4, true, tmp.resolve("quiet"));
        AtomicBoolean stop = new AtomicBoolean();
        Thread gc = GarbageCollectionSafetyTest.hammer(stop);
        gc.start();
        float[] pressed;
        try {
            pressed = train(QWEN3, 4, true, tmp.resolve("pressure"));
        } finally {
            stop.set(true);
            gc.join();
        }
        assertArrayEquals(quiet, pressed, 0f, "under collection pressure");
    }
}
