package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.RopeScaling;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OnnxParityTest}'s checks (left-padded batch logits, incremental decoding with the cache and row
 * compaction, greedy and seeded sampled generations, ONNX Runtime against DJL) on the families and
 * rotary scalings added to qwen2 and llama: qwen3 (q/k norm, head_dim unlike hidden / heads, with
 * attention bias and yarn), llama with llama3 and linear scaling, and mistral with a sliding window
 * shorter than the prompts plus the decoded tokens. The inherited tests take their cases from this
 * class's {@link #variants()} and fixtures from its {@link #export()}, which hide and override the parent's.
 */
class OnnxFamilyParityTest extends OnnxParityTest {

    static Stream<String> variants() {
        return Stream.of("qwen3-gqa-headdim", "qwen3-bias-yarn-tied", "llama-llama3-gqa", "llama-linear-mha",
                "mistral-window-4");
    }

    static TransformerConfig familyConfig(String variant, int vocab) {
        TransformerConfig.Builder b = TransformerConfig.builder().vocabSize(vocab).maxPositionEmbeddings(64)
                .ropeTheta(500.0).rmsNormEps(1e-5).numHiddenLayers(2).intermediateSize(40);
        return switch (variant) {
            case "qwen3-gqa-headdim" -> b.family(ModelFamily.QWEN3).hiddenSize(32).numAttentionHeads(4).numKeyValueHeads(2)
                    .headDim(12).tieWordEmbeddings(false).build();
            case "qwen3-bias-yarn-tied" -> b.family(ModelFamily.QWEN3).hiddenSize(24).numAttentionHeads(2).numKeyValueHeads(1)
                    .headDim(16).attentionBias(true).tieWordEmbeddings(true).ropeScaling(RopeScaling.Yarn.of(4, 16)).build();
            // Head size 8, theta 500: wavelengths 6.3, 30, 140, 664 against bands 32 / 4 = 8 and 32 / 1 = 32.
            case "llama-llama3-gqa" -> b.family(ModelFamily.LLAMA).hiddenSize(32).numAttentionHeads(4).numKeyValueHeads(2)
                    .headDim(8).ropeScaling(new RopeScaling.Llama3(8, 1, 4, 32)).build();
            case "llama-linear-mha" -> b.family(ModelFamily.LLAMA).hiddenSize(32).numAttentionHeads(4).numKeyValueHeads(4)
                    .attentionBias(true).ropeScaling(new RopeScaling.Linear(2)).build();
            case "mistral-window-4" -> b.family(ModelFamily.MISTRAL).hiddenSize(32).numAttentionHeads(4).numKeyValueHeads(2)
                    .slidingWindow(4).build();
            default -> throw new IllegalArgumentException(variant);
        };
    }

    @BeforeAll
    @Override
    void export() {
        tokenizer = CharVocabulary.builder().addCharacters("abcdefghij0123456789 +=").writeTo(tmp.resolve("tok"));
        long seed = 31;
        for (String variant : variants().toList()) {
            CausalLm djl = spreadModel(familyConfig(variant, tokenizer.vocabSize()), seed++);
            Path file = tmp.resolve(variant).resolve("model.onnx");
            OnnxExporter.export(djl, tokenizer, new PromptTemplate("Q: {prompt}\nA:"), file, false);
            fixtures.put(variant, new Fixture(djl, OnnxModel.load(file, 1)));
        }
    }

    /** A qwen3 checkpoint directory exports as the in-memory model does: its q/k norms streamed by name. */
    @Test
    void aQwen3CheckpointDirectoryExportsWithTheModelsLogits() {
        Fixture f = fixtures.get("qwen3-bias-yarn-tied");
        Path dir = tmp.resolve("qwen3-checkpoint");
        Checkpoint.write(dir, f.djl(), tokenizer, null, null);
        Path file = tmp.resolve("qwen3-from-dir").resolve("model.onnx");
        OnnxExporter.export(dir, dir.toString(), file, false);
        int[] ids = PROMPTS[0];
        float[][] expected = f.djl().logits(ids);
        try (OnnxModel onnx = OnnxModel.load(file, 1)) {
            float[][] actual = onnx.logits(ids);
            double maxDiff = 0;
            for (int i = 0; i < ids.length; i++) {
                maxDiff = Math.max(maxDiff, maxDiff(expected[i], actual[i]));
            }
            assertTrue(maxDiff < TOLERANCE, "max abs logit difference " + maxDiff);
        }
    }
}
