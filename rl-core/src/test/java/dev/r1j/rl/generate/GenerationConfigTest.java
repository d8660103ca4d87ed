package dev.r1j.rl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json as Hugging Face ships it, and generation that stops on any of its eos ids. */
class GenerationConfigTest {

    @TempDir
    Path tmp;

    @Test
    void eosIsOneIdOrAList() {
        assertEquals(List.of(128001, 128008, 128009), GenerationConfig.parse(
                "{\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009], \"temperature\": 0.6}", null).eosTokenIds());
        GenerationConfig one = GenerationConfig.parse("{\"eos_token_id\": 151643, \"pad_token_id\": 151643}", null);
        assertEquals(List.of(151643), one.eosTokenIds());
        assertEquals(151643, one.padTokenId().getAsInt());
        assertTrue(GenerationConfig.parse("{\"do_sample\": true}", null).eosTokenIds().isEmpty());
        BadInputException e = assertThrows(BadInputException.class,
                () -> GenerationConfig.parse("{\"eos_token_id\": [1, \"two\"]}", Path.of("generation_config.json")));
        assertTrue(e.getMessage().contains("eos_token_id") && e.getMessage().contains("generation_config.json"), e.getMessage());
        assertThrows(BadInputException.class, () -> GenerationConfig.parse("[1]", null));
    }

    @Test
    void endIdsJoinTheTokenizersEosAndTheFilesList() throws Exception {
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"eos_token_id\": [7, 1, 9]}");
        assertEquals(List.of(1, 7, 9), GenerationConfig.endIds(1, Optional.of(tmp)));
        assertEquals(List.of(1), GenerationConfig.endIds(1, Optional.of(tmp.resolve("elsewhere"))));
        assertEquals(List.of(), GenerationConfig.endIds(-1, Optional.empty()));
    }

    @Test
    void generationStopsOnAnyEosIdOfTheModelsGenerationConfig() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abcdefghij").writeTo(tmp.resolve("tok"));
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(64)
                .eosTokenId(tok.eosId()).build();
        Path dir = tmp.resolve("model");
        try (CausalLm m = CausalLm.randomInit(c, 3)) {
            Checkpoint.write(dir, m, tok, null, null);
        }
        SamplingParams greedy = SamplingParams.greedy(12);
        List<Integer> free;
        try (Checkpoint cp = Checkpoint.load(dir)) {
            free = ids(new DjlGenerator(cp.model(), cp.tokenizer()).generate(List.of("abc"), 1, greedy).get(0));
        }
        int third = free.get(2);
        assertTrue(free.indexOf(third) == 2 && third != tok.eosId(), "a token first produced third: " + free);
        // The token it would produce third becomes one of two extra end ids, as Llama 3.1 lists several.
        Files.writeString(dir.resolve(GenerationConfig.FILE), "{\"eos_token_id\": [" + tok.eosId() + ", " + third + "]}");
        try (Checkpoint cp = Checkpoint.load(dir)) {
            Completion c1 = new DjlGenerator(cp.model(), cp.tokenizer()).generate(List.of("abc"), 1, greedy).get(0);
            assertEquals(FinishReason.EOS, c1.finishReason());
            assertEquals(free.subList(0, 3), ids(c1));
        }
        Files.delete(dir.resolve(GenerationConfig.FILE));
        try (Checkpoint cp = Checkpoint.load(dir)) {
            Completion c2 = new DjlGenerator(cp.model(), cp.tokenizer())
                    .generate(List.of("abc"), 1, greedy.toBuilder().eosTokenIds(List.of(third)).build()).get(0);
            assertEquals(FinishReason.EOS, c2.finishReason(), "or given in the sampling parameters");
            assertEquals(free.subList(0, 3), ids(c2));
        }
    }

    static List<Integer> ids(Completion c) {
        return java.util.Arrays.stream(c.tokenIds()).boxed().toList();
    }
}
