package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code r1j export-onnx} on a shipped model, then the same commands on the .onnx file and on the
 * checkpoint: the ONNX Runtime answers are the DJL answers.
 */
class OnnxCommandsTest {

    static final String MODEL = "builtin:arith-student-base";

    @TempDir
    static Path tmp;
    static Path onnx;

    @BeforeAll
    static void export() {
        onnx = tmp.resolve("student").resolve("student.onnx");
        CliRun r = CliRun.of("export-onnx", "--model", MODEL, "--out", onnx.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + onnx) && r.out().contains("tokenizer.json") && r.out().contains("sha256"),
                r.out());
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        byte[] before = Files.readAllBytes(onnx);
        CliRun again = CliRun.of("export-onnx", "--model", MODEL, "--out", onnx.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(onnx)));
        Path other = tmp.resolve("forced").resolve("m.onnx");
        assertEquals(0, CliRun.of("export-onnx", "--model", MODEL, "--out", other.toString()).exit());
        assertEquals(0, CliRun.of("export-onnx", "--model", MODEL, "--out", other.toString(), "--force").exit());
    }

    @Test
    void logitsMatchTheCheckpoint() throws Exception {
        String ids = "5,17,30,2,44,9";
        CliRun djl = CliRun.of("logits", "--model", MODEL, "--ids", ids);
        CliRun ort = CliRun.of("logits", "--model", onnx.toString(), "--ids", ids);
        assertEquals(0, ort.exit(), ort.err());
        JsonNode e = new ObjectMapper().readTree(djl.out()).get("logits");
        JsonNode a = new ObjectMapper().readTree(ort.out()).get("logits");
        assertEquals(e.size(), a.size());
        double maxDiff = 0;
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).size(), a.get(i).size());
            for (int v = 0; v < e.get(i).size(); v++) {
                maxDiff = Math.max(maxDiff, Math.abs(e.get(i).get(v).asDouble() - a.get(i).get(v).asDouble()));
            }
        }
        assertTrue(maxDiff < 1e-4, "max abs logit difference " + maxDiff);
    }

    @Test
    void generateMatchesTheCheckpointGreedyAndSampled() {
        String[][] variants = {
            {"--temperature", "0", "--n", "1"},
            {"--temperature", "1.0", "--n", "4", "--seed", "5"},
        };
        for (String[] v : variants) {
            String[] tail = concat(new String[] {"--prompt", "37*24", "--max-new-tokens", "40", "--json"}, v);
            CliRun djl = CliRun.of(concat(new String[] {"generate", "--model", MODEL}, tail));
            CliRun ort = CliRun.of(concat(new String[] {"generate", "--model", onnx.toString()}, tail));
            assertEquals(0, ort.exit(), ort.err());
            assertEquals(tokenLines(djl.out()), tokenLines(ort.out()), String.join(" ", v));
        }
    }

    @Test
    void evalAndTracesRunOnTheOnnxModel() throws Exception {
        String[] tail = {"--task", "arith", "--n", "6", "--k", "2", "--max-new-tokens", "48", "--seed", "3", "--json"};
        CliRun djl = CliRun.of(concat(new String[] {"eval", "--model", MODEL}, tail));
        CliRun ort = CliRun.of(concat(new String[] {"eval", "--model", onnx.toString()}, tail));
        assertEquals(0, ort.exit(), ort.err());
        assertEquals(djl.out(), ort.out());

        Path out = tmp.resolve("traces.jsonl");
        CliRun traces = CliRun.of("traces", "--model", onnx.toString(), "--task", "arith", "--n", "4", "--samples", "2",
                "--max-new-tokens", "48", "--out", out.toString());
        assertEquals(0, traces.exit(), traces.err());
        String sha;
        try (OnnxModel m = OnnxModel.load(onnx)) {
            sha = m.sha256();
        }
        for (String line : Files.readAllLines(out)) {
            JsonNode t = new ObjectMapper().readTree(line);
            assertEquals(sha, t.get("teacher_sha256").asText());
            assertEquals(onnx.toString(), t.get("teacher").asText());
        }
    }

    @Test
    void aMissingTokenizerIsNamed() throws Exception {
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.copy(onnx, bare.resolve("model.onnx"));
        CliRun r = CliRun.of("generate", "--model", bare.toString(), "--prompt", "1+1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(bare.resolve("tokenizer.json").toString()), r.err());
        // logits needs no tokenizer, and a directory with model.onnx and no safetensors is an ONNX model.
        assertEquals(0, CliRun.of("logits", "--model", bare.toString(), "--ids", "1,2").exit());
        CliRun train = CliRun.of("info", "--model", onnx.toString());
        assertEquals(2, train.exit(), train.err());
        assertTrue(train.err().contains("ONNX"), train.err());
    }

    /** The token ids and finish reasons of generate's JSON lines (texts follow from them). */
    static String tokenLines(String out) {
        StringBuilder sb = new StringBuilder();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode o = new ObjectMapper().readTree(line);
                sb.append(o.get("token_ids")).append(' ').append(o.get("finish_reason")).append(' ').append(o.get("text")).append('\n');
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }
        assertTrue(sb.length() > 0, "no completions in: " + out);
        return sb.toString();
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
