package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.WriteOptions;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merged model is written in its base's stored type, holding the hand-computed merge rounded to it. */
class LoraMergeDTypeTest {

    @TempDir
    Path tmp;

    @Test
    void aMergeOfAHalfPrecisionBaseIsWrittenInTheBasesType() throws Exception {
        TransformerConfig c = LoraTestModels.qwen();
        Map<String, float[]> hf = LoraTestModels.randomHf(c, 7);
        LoraConfig config = LoraConfig.builder().rank(2).alpha(3).targetModules(List.of(LoraTarget.Q_PROJ,
                LoraTarget.DOWN_PROJ)).build();
        Map<String, float[]> peft = LoraTestModels.randomPeft(config, c, 8);
        for (DType type : new DType[] {DType.BF16, DType.F16}) {
            Path baseDir = tmp.resolve("base-" + type);
            try (CausalLm m = LoraTestModels.model(c, hf)) {
                Checkpoint.write(baseDir, m, CharVocabulary.builder().addCharacters("0123456789+-*= \n")
                        .writeTo(tmp.resolve("tok-" + type)), null, null, WriteOptions.defaults().withDType(type));
            }
            Map<String, float[]> stored;
            try (ModelWeightsFiles w = ModelWeightsFiles.open(baseDir)) {
                stored = new java.util.LinkedHashMap<>();
                for (String n : w.names()) {
                    stored.put(n, w.read(n));
                }
            }
            Path adapterDir = tmp.resolve("adapter-" + type);
            try (Checkpoint cp = Checkpoint.load(baseDir)) {
                LoraAdapter a = LoraAdapter.create(cp.model(), config, LoraBase.of(baseDir), 1);
                a.load(LoraTestModels.peftWeights(config, c, peft), null);
                LoraDirectory.write(adapterDir, a, cp.tokenizer(), null, null);
            }
            Path out = tmp.resolve("merged-" + type);
            LoraMerge.Result r = LoraMerge.merge(adapterDir, null, out, "test");
            assertEquals(type, r.written());
            // The base as stored (already rounded to the type), merged by hand, then rounded once more.
            Map<String, float[]> expected = LoraTestModels.handMerged(c, stored, config, peft);
            double ulp = type == DType.BF16 ? 0x1p-8 : 0x1p-11; // half a unit in the last place, relative
            try (ModelWeightsFiles w = ModelWeightsFiles.open(out)) {
                for (String n : w.names()) {
                    assertEquals(type, w.dtype(n), n);
                    float[] got = w.read(n);
                    float[] want = expected.get(n);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want[i], got[i], Math.abs(want[i]) * ulp + 1e-7, n + "[" + i + "]");
                    }
                }
            }
            String torchDtype = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("torch_dtype").asText();
            assertEquals(type.torchName(), torchDtype);
            assertTrue(r.baseTypes().contains(type));
        }
    }
}
