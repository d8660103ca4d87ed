package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.FinishReason;
import dev.r1j.rl.generate.GenerationConfig;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX Runtime generator stops on any eos id of the exported model's generation_config.json. */
class OrtEosTest {

    @TempDir
    Path tmp;

    @Test
    void generationStopsOnAnyListedEosId() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abcdefghij").writeTo(tmp.resolve("tok"));
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(64)
                .eosTokenId(tok.eosId()).build();
        Path src = tmp.resolve("src");
        try (CausalLm m = CausalLm.randomInit(c, 3)) {
            Checkpoint.write(src, m, tok, null, null);
        }
        SamplingParams greedy = SamplingParams.greedy(12);
        List<Integer> free = ids(generate(src, "free", greedy));
        int third = free.get(2);
        assertTrue(free.indexOf(third) == 2 && third != tok.eosId(), "a token first produced third: " + free);
        Files.writeString(src.resolve(GenerationConfig.FILE), "{\"eos_token_id\": [" + tok.eosId() + ", " + third + "]}");
        Completion stopped = generate(src, "listed", greedy);
        assertEquals(FinishReason.EOS, stopped.finishReason());
        assertEquals(free.subList(0, 3), ids(stopped));
    }

    Completion generate(Path src, String name, SamplingParams params) {
        Path file = tmp.resolve(name).resolve("model.onnx");
        OnnxExporter.export(src, name, file, false);
        try (OnnxModel model = OnnxModel.load(file)) {
            return new OrtGenerator(model).generate(List.of("abc"), 1, params).get(0);
        }
    }

    static List<Integer> ids(Completion c) {
        return Arrays.stream(c.tokenIds()).boxed().toList();
    }
}
