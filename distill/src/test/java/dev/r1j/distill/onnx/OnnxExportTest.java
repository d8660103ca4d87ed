package dev.r1j.distill.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.onnx.internal.DecoderGraph;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The export's files and layout, Hugging Face-written checkpoints, external data, and refusals of bad input. */
class OnnxExportTest {

    @TempDir
    Path tmp;

    /**
     * Checkpoints saved by Hugging Face transformers (a copy of two of rl-core's hf-parity fixtures):
     * exported from their safetensors files and run in ONNX Runtime, the logits equal transformers' own.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-mha-bias", "qwen2-bf16"})
    void transformersCheckpointsExportWithTheirLogits(String name) throws Exception {
        Path dir = Path.of(OnnxExportTest.class.getResource("/hf-parity/" + name + "/config.json").toURI()).getParent();
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int[] ids = new int[expected.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = expected.get("ids").get(i).asInt();
        }
        Path file = tmp.resolve(name).resolve("model.onnx");
        OnnxExporter.Result r = OnnxExporter.export(dir, name, file, false);
        assertEquals(Checkpoint.sha256(dir), Provenance.readFrom(file.getParent()).parentSha256());
        try (OnnxModel m = OnnxModel.load(file.getParent())) {
            float[][] actual = m.logits(ids);
            JsonNode rows = expected.get("logits");
            double maxDiff = 0;
            for (int i = 0; i < actual.length; i++) {
                assertEquals(rows.get(i).size(), actual[i].length);
                for (int v = 0; v < actual[i].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[i][v] - rows.get(i).get(v).asDouble()));
                }
            }
            assertTrue(maxDiff < 1e-4, name + ": max abs diff " + maxDiff + " against transformers");
            assertEquals(r.sha256(), m.sha256());
            // No tokenizer in these fixtures: logits work, generation names the missing file.
            BadInputException e = assertThrows(BadInputException.class, () -> new OrtGenerator(m));
            assertTrue(e.getMessage().contains(file.getParent().resolve("tokenizer.json").toString()), e.getMessage());
        }
    }

    private CausalLm smallModel(HfTokenizer tok) {
        return smallModel(tok, 32);
    }

    private CausalLm smallModel(HfTokenizer tok, int maxPositions) {
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize())
                .hiddenSize(16).intermediateSize(24).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
                .maxPositionEmbeddings(maxPositions).tieWordEmbeddings(true).build();
        return CausalLm.randomInit(c, 3);
    }

    @Test
    void writesTheOptimumLayoutWithProvenanceAndRefusesToOverwrite() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abc123").writeTo(tmp.resolve("tok"));
        Path src = tmp.resolve("src");
        try (CausalLm m = smallModel(tok)) {
            Checkpoint.write(src, m, tok, new PromptTemplate("Q {prompt} A"), Provenance.of(1, "test", "", null, null));
        }
        Path file = tmp.resolve("out").resolve("teacher.onnx");
        OnnxExporter.Result r = OnnxExporter.export(src, "my-teacher", file, false);
        for (String f : new String[] {"teacher.onnx", "config.json", "tokenizer.json", "tokenizer_config.json",
                PromptTemplate.FILE, Provenance.FILE}) {
            assertTrue(Files.exists(file.getParent().resolve(f)), f);
        }
        assertEquals(null, r.externalData());
        Provenance p = Provenance.readFrom(file.getParent());
        assertEquals("my-teacher", p.extra().get("source_model"));
        assertEquals(r.sha256(), p.extra().get("onnx_sha256"));
        assertEquals(Checkpoint.sha256(src), p.parentSha256());
        try (OnnxModel m = OnnxModel.load(file)) {
            assertEquals("Q {prompt} A", m.template().orElseThrow().format());
            assertEquals(2, m.numLayers());
            assertEquals(2, m.numKeyValueHeads());
            assertEquals(4, m.headDim());
            assertTrue(m.session().getInputNames().contains("position_ids"));
        }
        try (InputStream in = Files.newInputStream(file)) {
            GraphProto g = ModelProto.parseFrom(in).getGraph();
            assertEquals(DecoderGraph.OPSET, ModelProto.parseFrom(Files.readAllBytes(file)).getOpsetImport(0).getVersion());
            assertEquals("input_ids", g.getInput(0).getName());
            assertEquals("past_key_values.1.value", g.getInput(6).getName());
            assertEquals("logits", g.getOutput(0).getName());
            assertEquals("present.1.value", g.getOutput(4).getName());
        }
        byte[] before = Files.readAllBytes(file);
        BadInputException e = assertThrows(BadInputException.class, () -> OnnxExporter.export(src, "x", file, false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        OnnxExporter.export(src, "x", file, true);
        e = assertThrows(BadInputException.class, () -> OnnxExporter.export(src, "x", src.resolve("m.onnx"), false));
        assertTrue(e.getMessage().contains("source model directory"), e.getMessage());
        try (var files = Files.list(file.getParent())) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().contains(".tmp-")), "no temporaries left");
        }
    }

    @Test
    void externalDataGivesTheSameLogits() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abc123").writeTo(tmp.resolve("tok"));
        Path inline = tmp.resolve("inline").resolve("model.onnx");
        Path external = tmp.resolve("external").resolve("model.onnx");
        // 20000 positions: the rotary tables (20000 x 4 floats) are written to the data file in several chunks.
        try (CausalLm m = smallModel(tok, 20000)) {
            OnnxExporter.export(m, tok, null, inline, false);
            OnnxExporter.export(m, tok, null, external, false); // then rewritten with external data:
            DecoderGraph.Written w = DecoderGraph.write(m.config(), HostWeights.of(m.hfTensors(), m.hfShapes()), external, 0, "test");
            assertEquals(external.resolveSibling("model.onnx.data"), w.externalData());
            assertTrue(Files.size(external) < 20_000, "weights are outside the model file: " + Files.size(external));
            // Every initializer's bytes in the data file equal the inline export's, byte for byte.
            java.util.Map<String, com.google.protobuf.ByteString> inlineData = new java.util.HashMap<>();
            ModelProto.parseFrom(Files.readAllBytes(inline)).getGraph().getInitializerList()
                    .forEach(t -> inlineData.put(t.getName(), t.getRawData()));
            byte[] data = Files.readAllBytes(w.externalData());
            int externalTensors = 0;
            for (var t : ModelProto.parseFrom(Files.readAllBytes(external)).getGraph().getInitializerList()) {
                if (t.getExternalDataCount() == 0) {
                    continue;
                }
                java.util.Map<String, String> where = new java.util.HashMap<>();
                t.getExternalDataList().forEach(e -> where.put(e.getKey(), e.getValue()));
                int offset = Integer.parseInt(where.get("offset"));
                int length = Integer.parseInt(where.get("length"));
                assertEquals(0, offset % 4096, t.getName() + " is aligned");
                assertEquals(inlineData.get(t.getName()), com.google.protobuf.ByteString.copyFrom(data, offset, length), t.getName());
                externalTensors++;
            }
            assertEquals(3 + 2 * 8 + 1, externalTensors, "embedding, rotary tables, 8 per layer (two norms; q/k/v and its bias; o, gate, up, down), final norm");
            int[] ids = {1, 4, 2, 5, 3, 3, 1, 6, 2, 2, 5, 4, 1, 6, 3, 2, 1};
            try (OnnxModel a = OnnxModel.load(inline); OnnxModel b = OnnxModel.load(external)) {
                float[][] x = a.logits(ids);
                float[][] y = b.logits(ids);
                for (int i = 0; i < ids.length; i++) {
                    assertArrayEquals(x[i], y[i], 0f);
                }
                assertArrayEquals(m.logits(ids)[16], y[16], 1e-4f);
            }
        }
    }

    @Test
    void refusesAnOptimumExportWithoutPositionIdsNamingTheInput() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abc123").writeTo(tmp.resolve("tok"));
        Path file = tmp.resolve("m").resolve("model.onnx");
        try (CausalLm m = smallModel(tok)) {
            OnnxExporter.export(m, tok, null, file, false);
        }
        // The same graph, but its positions arrive under another name (as in exports r1j cannot feed).
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            if (g.getInput(i).getName().equals("position_ids")) {
                g.setInput(i, g.getInput(i).toBuilder().setName("cache_position"));
            }
        }
        for (int n = 0; n < g.getNodeCount(); n++) {
            NodeProto.Builder node = g.getNode(n).toBuilder();
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals("position_ids")) {
                    node.setInput(i, "cache_position");
                }
            }
            g.setNode(n, node);
        }
        Files.write(file, model.toBuilder().setGraph(g).build().toByteArray());
        BadInputException e = assertThrows(BadInputException.class, () -> OnnxModel.load(file));
        assertTrue(e.getMessage().contains("position_ids") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void refusesAMergedDecoderNamingUseCacheBranch() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abc123").writeTo(tmp.resolve("tok"));
        Path file = tmp.resolve("merged").resolve("model.onnx");
        try (CausalLm m = smallModel(tok)) {
            OnnxExporter.export(m, tok, null, file, false);
        }
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        GraphProto.Builder g = model.getGraph().toBuilder();
        g.addInput(g.getInput(0).toBuilder().setName("use_cache_branch").setType(g.getInput(0).getType().toBuilder()
                .setTensorType(g.getInput(0).getType().getTensorType().toBuilder()
                        .setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.BOOL_VALUE))));
        Files.write(file, model.toBuilder().setGraph(g).build().toByteArray());
        BadInputException e = assertThrows(BadInputException.class, () -> OnnxModel.load(file));
        assertTrue(e.getMessage().contains("use_cache_branch") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void missingFilesAreNamed() {
        Path nothing = tmp.resolve("none.onnx");
        BadInputException e = assertThrows(BadInputException.class, () -> OnnxModel.load(nothing));
        assertTrue(e.getMessage().contains(nothing.toString()), e.getMessage());
        e = assertThrows(BadInputException.class, () -> OnnxModel.load(tmp));
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
    }

    @Test
    void weightsThatDoNotFitTheConfigAreRefusedByName() throws Exception {
        HfTokenizer tok = CharVocabulary.builder().addCharacters("abc123").writeTo(tmp.resolve("tok"));
        Path src = tmp.resolve("src");
        try (CausalLm m = smallModel(tok)) {
            Checkpoint.write(src, m, tok, null, null);
        }
        String config = Files.readString(src.resolve("config.json")).replace("\"intermediate_size\" : 24", "\"intermediate_size\" : 20");
        assertTrue(config.contains("20"), config);
        Files.writeString(src.resolve("config.json"), config);
        BadInputException e = assertThrows(BadInputException.class,
                () -> OnnxExporter.export(src, "x", tmp.resolve("o").resolve("m.onnx"), false));
        assertTrue(e.getMessage().contains("mlp.gate_proj.weight"), e.getMessage());
        try (ModelWeightsFiles w = ModelWeightsFiles.open(src)) {
            assertTrue(w.names().contains("model.layers.0.mlp.gate_proj.weight"));
        }
    }
}
