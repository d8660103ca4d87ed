package dev.r1j.rl.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The supervised trainer (AdamW, the engine's autograd) on tiny models of the added families: a few
 * steps lower the loss on a learnable pattern, and qwen3's q/k norm gains learn (they start equal, at
 * 1, so only their gradients can make them differ: decoupled weight decay moves them all alike).
 * Sequences are longer than mistral's window, so training runs through the windowed mask.
 */
class FamilyTrainingTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> configs() {
        TransformerConfig.Builder tiny = TransformerConfig.builder().vocabSize(12).hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(64).tieWordEmbeddings(true);
        return Stream.of(
                Arguments.of("qwen3", tiny.family(ModelFamily.QWEN3).headDim(12).build()),
                Arguments.of("llama llama3 scaling", tiny.family(ModelFamily.LLAMA).headDim(8)
                        .ropeScaling(new RopeScaling.Llama3(8, 1, 4, 32)).build()),
                Arguments.of("qwen2 yarn", tiny.family(ModelFamily.QWEN2).headDim(8).ropeScaling(RopeScaling.Yarn.of(4, 16)).build()),
                Arguments.of("mistral window 4", tiny.family(ModelFamily.MISTRAL).headDim(8).ropeScaling(RopeScaling.NONE)
                        .slidingWindow(4).build()));
    }

    /** Counting up modulo 10 from a random start: learnable in a few steps. */
    static List<TrainingExample> corpus(int n, long seed) {
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void aFewStepsLowerTheLoss(String name, TransformerConfig config) {
        SupervisedConfig sft = SupervisedConfig.builder().batchSize(4).sequenceLength(16).gradientAccumulation(1).steps(10)
                .learningRate(3e-2).warmupSteps(1).evalEvery(0).checkpointEvery(0).logEvery(5).seed(3).build();
        try (CausalLm model = CausalLm.randomInit(config, 5)) {
            SupervisedTrainer trainer = new SupervisedTrainer(model, sft, tmp.resolve(name.replace(' ', '-')), 0,
                    ProgressListener.silent());
            double before = trainer.evaluate(corpus(16, 9));
            trainer.train(corpus(120, 1), List.of());
            double after = trainer.evaluate(corpus(16, 9));
            assertTrue(after < before * 0.6, name + ": loss " + before + " -> " + after);
            if (config.queryKeyNorm()) {
                for (String norm : new String[] {"q_norm", "k_norm"}) {
                    float[] gain = model.hfTensors().get("model.layers.0.self_attn." + norm + ".weight");
                    double spread = 0;
                    for (float g : gain) {
                        spread = Math.max(spread, Math.abs(g - gain[0]));
                    }
                    assertTrue(spread > 1e-4, name + ": " + norm + " gains did not learn (spread " + spread + ")");
                }
            }
        }
    }
}
