package dev.r1j.rl.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.RopeScaling;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The supervised trainer (AdamW, the engine's autograd) on tiny models of the added families: a few
 * steps lower the loss on a learnable pattern, and qwen3's q/k norm gains learn (they start equal, at
 * 1, so only their gradients can make them differ: decoupled weight decay moves them all alike).
 * Sequences are longer than mistral's window, so training runs through the windowed mask. The data is
 * {@link SupervisedTrainerTest#corpus}'s counting pattern.
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void aFewStepsLowerTheLoss(String name, TransformerConfig config) {
        SupervisedConfig sft = SupervisedConfig.builder().batchSize(4).sequenceLength(16).gradientAccumulation(1).steps(10)
                .learningRate(3e-2).warmupSteps(1).evalEvery(0).checkpointEvery(0).logEvery(5).seed(3).build();
        try (CausalLm model = CausalLm.randomInit(config, 5)) {
            SupervisedTrainer trainer = new SupervisedTrainer(model, sft, tmp.resolve(name.replace(' ', '-')), 0,
                    ProgressListener.silent());
            double before = trainer.evaluate(SupervisedTrainerTest.corpus(16, 9));
            trainer.train(SupervisedTrainerTest.corpus(120, 1), List.of());
            double after = trainer.evaluate(SupervisedTrainerTest.corpus(16, 9));
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
