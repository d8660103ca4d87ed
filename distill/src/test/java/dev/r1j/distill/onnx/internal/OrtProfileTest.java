package dev.r1j.distill.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.onnx.OnnxExporter;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code R1J_ORT_PROFILE}'s plumbing: a session opened with a profile prefix writes a trace of its runs when it closes. */
class OrtProfileTest {

    @TempDir
    Path tmp;

    @Test
    void aProfiledSessionWritesOneModelRunEventPerCall() throws Exception {
        // A model without a tokenizer exports too: the decoder only needs ids.
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(12).hiddenSize(8)
                .intermediateSize(16).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(2).maxPositionEmbeddings(16)
                .build();
        Path file = tmp.resolve("onnx").resolve("model.onnx");
        try (CausalLm m = CausalLm.randomInit(c, 3)) {
            OnnxExporter.export(m, null, null, file, false);
        }
        Path traces = Files.createDirectories(tmp.resolve("traces"));

        try (OrtDecoder plain = OrtDecoder.open(file, null, 1, null)) {
            run(plain, 2);
        }
        assertEquals(List.of(), list(traces), "no prefix, no trace");

        try (OrtDecoder profiled = OrtDecoder.open(file, null, 1, traces.resolve("ort").toString())) {
            run(profiled, 3);
        }
        List<Path> written = list(traces);
        assertEquals(1, written.size(), "one trace per session: " + written);
        assertTrue(written.get(0).getFileName().toString().startsWith("ort"), written.toString());
        JsonNode events = new ObjectMapper().readTree(written.get(0).toFile());
        long runs = 0;
        for (JsonNode e : events) {
            if ("model_run".equals(e.path("name").asText())) {
                runs++;
            }
        }
        assertEquals(3, runs, "one model_run event per call");
    }

    /** {@code steps} calls of one position each for one row: a prompt token, then one new token a step. */
    private static void run(OrtDecoder decoder, int steps) {
        try (OrtDecoder.Cache cache = decoder.newCache(1)) {
            for (int s = 0; s < steps; s++) {
                float[] keep = new float[s + 1];
                java.util.Arrays.fill(keep, 1f);
                float[] logits = decoder.forward(new int[] {3 + s}, 1, new long[] {s}, keep, cache, true);
                assertEquals(decoder.vocabSize(), logits.length);
            }
        }
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
