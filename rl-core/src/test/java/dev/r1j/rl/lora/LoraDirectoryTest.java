package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.checkpoint.SafeTensorsFile;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraDirectoryTest {

    private static final int[] IDS = {3, 4, 5, 6, 7, 9, 2};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private HfTokenizer tokenizer(String name) {
        return CharVocabulary.builder().addCharacters("0123456789+-*= \n").writeTo(tmp.resolve("tok-" + name));
    }

    private Path base(String name, TransformerConfig c, long seed) {
        Path dir = tmp.resolve(name);
        try (CausalLm m = LoraTestModels.model(c, LoraTestModels.randomHf(c, seed))) {
            Checkpoint.write(dir, m, tokenizer(name), new PromptTemplate("Q: {prompt}\nA: "),
                    Provenance.of(1, "test", "", null, Map.of()));
        }
        return dir;
    }

    /** Writes an adapter with random (non-zero) A and B for {@code baseDir}; returns its logits on IDS. */
    private float[][] writeAdapter(Path baseDir, LoraConfig config, Path out) {
        try (Checkpoint cp = Checkpoint.load(baseDir)) {
            LoraAdapter a = LoraAdapter.create(cp.model(), config, LoraBase.of(baseDir), 3);
            a.load(LoraTestModels.peftWeights(config, cp.config(), LoraTestModels.randomPeft(config, cp.config(), 4)), null);
            LoraDirectory.write(out, a, cp.tokenizer(), cp.template().orElse(null),
                    Provenance.of(5, "adapter test", "", null, Map.of("step", "1")));
            return cp.model().logits(IDS);
        }
    }

    @Test
    void writtenAsPeftDoesAndLoadsBackWithIdenticalLogits() throws IOException {
        TransformerConfig c = LoraTestModels.qwen();
        Path baseDir = base("base", c, 1);
        LoraConfig config = LoraConfig.builder().rank(4).alpha(8).targetModules(List.of(LoraTarget.Q_PROJ,
                LoraTarget.V_PROJ, LoraTarget.DOWN_PROJ)).build();
        Path adapterDir = tmp.resolve("adapter");
        float[][] expected = writeAdapter(baseDir, config, adapterDir);

        JsonNode cfg = JSON.readTree(adapterDir.resolve(LoraDirectory.CONFIG_FILE).toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(8, cfg.get("lora_alpha").asInt());
        assertEquals(0.0, cfg.get("lora_dropout").asDouble());
        assertEquals("none", cfg.get("bias").asText());
        assertFalse(cfg.get("fan_in_fan_out").asBoolean());
        assertEquals(baseDir.toAbsolutePath().normalize().toString(), cfg.get("base_model_name_or_path").asText());
        assertEquals(List.of("q_proj", "v_proj", "down_proj"),
                JSON.convertValue(cfg.get("target_modules"), List.class));
        for (String f : List.of("tokenizer.json", "prompt_template.json", "provenance.json")) {
            assertTrue(Files.exists(adapterDir.resolve(f)), f);
        }
        assertEquals(baseDir.toAbsolutePath().normalize().toString(),
                Provenance.readFrom(adapterDir).extra().get(LoraDirectory.PROVENANCE_BASE));
        try (SafeTensorsFile f = SafeTensorsFile.open(adapterDir.resolve(LoraDirectory.WEIGHTS_FILE))) {
            assertEquals(2 * 3 * c.numHiddenLayers(), f.names().size());
            assertArrayEquals(new long[] {4, 32},
                    f.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
            assertArrayEquals(new long[] {16, 4},
                    f.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape());
            assertArrayEquals(new long[] {32, 4}, f.info("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape());
        }

        try (Checkpoint loaded = Checkpoint.load(adapterDir)) {
            assertEquals(adapterDir, loaded.directory());
            assertTrue(LoraAdapter.of(loaded.model()).isPresent());
            assertArrayEquals(expected, loaded.model().logits(IDS));
            assertEquals("Q: {prompt}\nA: ", loaded.template().orElseThrow().format());
        }
        try (CausalLm model = Checkpoint.loadModel(adapterDir)) {
            assertArrayEquals(expected, model.logits(IDS));
        }
        // An explicit base wins over the recorded one, and the adapter's identity covers its files.
        Path moved = tmp.resolve("moved-base");
        Files.move(baseDir, moved);
        BadInputException gone = assertThrows(BadInputException.class, () -> Checkpoint.load(adapterDir));
        assertTrue(gone.getMessage().contains("base_model_name_or_path") && gone.getMessage().contains("--base"),
                gone.getMessage());
        try (Checkpoint loaded = Checkpoint.loadAdapter(adapterDir, moved)) {
            assertArrayEquals(expected, loaded.model().logits(IDS));
        }
        assertEquals(64, Checkpoint.sha256(adapterDir).length());
    }

    @Test
    void mergeWritesHandComputedWeightsAndTheAdaptedLogits() {
        TransformerConfig c = LoraTestModels.llama();
        Map<String, float[]> hf = LoraTestModels.randomHf(c, 7);
        Path baseDir = tmp.resolve("base");
        try (CausalLm m = LoraTestModels.model(c, hf)) {
            Checkpoint.write(baseDir, m, tokenizer("base"), null, null);
        }
        LoraConfig config = LoraConfig.builder().rank(3).alpha(5).targetModules(List.of(LoraTarget.K_PROJ,
                LoraTarget.O_PROJ, LoraTarget.GATE_PROJ, LoraTarget.DOWN_PROJ)).build();
        Map<String, float[]> peft = LoraTestModels.randomPeft(config, c, 8);
        Path adapterDir = tmp.resolve("adapter");
        float[][] adapted;
        try (Checkpoint cp = Checkpoint.load(baseDir)) {
            LoraAdapter a = LoraAdapter.create(cp.model(), config, LoraBase.of(baseDir), 1);
            a.load(LoraTestModels.peftWeights(config, c, peft), null);
            LoraDirectory.write(adapterDir, a, cp.tokenizer(), null, null);
            adapted = cp.model().logits(IDS);
        }
        Path out = tmp.resolve("merged");
        LoraMerge.Result r = LoraMerge.merge(adapterDir, null, out, "test");
        assertEquals(java.util.Set.of(dev.r1j.rl.checkpoint.DType.F32), r.baseTypes());
        assertFalse(LoraDirectory.isAdapterDirectory(out));
        Map<String, float[]> expected = LoraTestModels.handMerged(c, hf, config, peft);
        try (dev.r1j.rl.checkpoint.ModelWeightsFiles w = dev.r1j.rl.checkpoint.ModelWeightsFiles.open(out)) {
            assertEquals(expected.keySet(), w.names());
            for (Map.Entry<String, float[]> e : expected.entrySet()) {
                float[] got = w.read(e.getKey());
                for (int i = 0; i < got.length; i++) {
                    assertEquals(e.getValue()[i], got[i], 1e-6, e.getKey());
                }
            }
        }
        try (Checkpoint merged = Checkpoint.load(out)) {
            assertTrue(merged.model().adapter().isEmpty());
            assertTrue(LoraTestModels.maxDiff(adapted, merged.model().logits(IDS)) < 1e-5);
            assertEquals(Checkpoint.sha256(adapterDir), merged.provenance().orElseThrow().parentSha256());
        }
    }

    @Test
    void aBaseOfAnotherShapeIsRefusedNamingFileAndTensor() {
        TransformerConfig c = LoraTestModels.qwen();
        Path baseDir = base("base", c, 1);
        Path adapterDir = tmp.resolve("adapter");
        writeAdapter(baseDir, LoraConfig.builder().rank(2).build(), adapterDir);
        TransformerConfig other = TransformerConfig.builder().family(c.family()).vocabSize(41).hiddenSize(32)
                .intermediateSize(56).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).build();
        Path otherDir = base("other", other, 2);
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.loadAdapter(adapterDir, otherDir));
        assertTrue(e.getMessage().contains(LoraDirectory.WEIGHTS_FILE) && e.getMessage().contains("gate_proj.lora_B.weight")
                && e.getMessage().contains("another base"), e.getMessage());
        // Fewer layers in the base: the extra layer's tensors are named.
        TransformerConfig shallow = TransformerConfig.builder().family(c.family()).vocabSize(41).hiddenSize(32)
                .intermediateSize(48).numHiddenLayers(1).numAttentionHeads(4).numKeyValueHeads(2).build();
        Path shallowDir = base("shallow", shallow, 3);
        BadInputException layers = assertThrows(BadInputException.class, () -> Checkpoint.loadAdapter(adapterDir, shallowDir));
        assertTrue(layers.getMessage().contains("layers.1."), layers.getMessage());
    }

    @Test
    void badAdapterConfigsNameLineAndField() throws IOException {
        TransformerConfig c = LoraTestModels.qwen();
        Path baseDir = base("base", c, 1);
        Path adapterDir = tmp.resolve("adapter");
        writeAdapter(baseDir, LoraConfig.builder().rank(2).build(), adapterDir);
        Path cfg = adapterDir.resolve(LoraDirectory.CONFIG_FILE);
        String good = Files.readString(cfg);
        Map<String, String> cases = Map.of(
                "\"r\" : 2", "r",
                "\"q_proj\"", "target_modules",
                "\"use_dora\" : false", "use_dora",
                "\"peft_type\" : \"LORA\"", "peft_type");
        Map<String, String> replacements = Map.of(
                "\"r\" : 2", "\"r\" : 0",
                "\"q_proj\"", "\"qkv_proj\"",
                "\"use_dora\" : false", "\"use_dora\" : true",
                "\"peft_type\" : \"LORA\"", "\"peft_type\" : \"IA3\"");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            assertTrue(good.contains(e.getKey()), e.getKey() + " in " + good);
            Files.writeString(cfg, good.replace(e.getKey(), replacements.get(e.getKey())));
            BadInputException ex = assertThrows(BadInputException.class, () -> Checkpoint.load(adapterDir));
            int line = lineOf(Files.readAllLines(cfg), replacements.get(e.getKey()));
            assertTrue(ex.getMessage().contains(LoraDirectory.CONFIG_FILE) && ex.getMessage().contains(e.getValue())
                    && ex.getMessage().contains(":" + line), line + " / " + ex.getMessage());
        }
        Files.writeString(cfg, good.replace("\"target_modules\" : [", "\"target_modules\" : \"all-linear\", \"x\" : ["));
        assertEquals(7, LoraDirectory.readConfig(adapterDir).targetModules().size());
    }

    private static int lineOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        return 0;
    }
}
