package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.run.ProgressListener;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training gives the same weights whatever the garbage collector does. On the CPU, DJL's PyTorch engine
 * keeps arrays made from Java values (and the operand of {@code x.mul(2.0)}) in Java direct buffers;
 * when one is freed while autograd still holds it, the backward pass reads freed memory and the run
 * silently diverges or stops on a NaN gradient, but only when a collection happens at that moment. A
 * thread that collects and refills direct memory with NaN the whole time makes that moment certain.
 */
class GarbageCollectionSafetyTest {

    @TempDir
    Path tmp;

    /** Collects garbage and writes NaN over freshly allocated direct memory until stopped. */
    static Thread hammer(AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                for (int i = 0; i < 64; i++) {
                    FloatBuffer f = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder()).asFloatBuffer();
                    while (f.hasRemaining()) {
                        f.put(Float.NaN);
                    }
                }
            }
        }, "gc-hammer");
        t.setDaemon(true);
        return t;
    }

    private float[] train(String name, boolean underPressure) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread gc = hammer(stop);
        if (underPressure) {
            gc.start();
        }
        try (CausalLm model = CausalLm.randomInit(SupervisedTrainerTest.TINY, 4)) {
            SupervisedConfig config = SupervisedConfig.builder().batchSize(4).sequenceLength(16).gradientAccumulation(2)
                    .steps(6).learningRate(3e-2).warmupSteps(2).evalEvery(0).checkpointEvery(0).logEvery(1).seed(7).build();
            new SupervisedTrainer(model, config, tmp.resolve(name), 0, ProgressListener.silent())
                    .train(SupervisedTrainerTest.corpus(60, 3), List.of());
            return SupervisedTrainerTest.flatten(model.hfTensors());
        } finally {
            stop.set(true);
            if (underPressure) {
                gc.join();
            }
        }
    }

    @Test
    void trainingGivesTheSameWeightsUnderGarbageCollection() throws Exception {
        float[] quiet = train("quiet", false);
        for (int run = 0; run < 3; run++) {
            assertArrayEquals(quiet, train("pressure-" + run, true), 0f, "run " + run + " under collection pressure");
        }
    }
}
