package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model commands run in-process, as a user would call them, including their bad-input paths. */
class ModelCommandsTest {

    @TempDir
    static Path tmp;
    static Path model;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeAll
    static void writeModel() {
        model = tmp.resolve("model");
        HfTokenizer tok = CharVocabulary.builder().addCharacters("0123456789+-*= \n:QA").writeTo(tmp.resolve("tok"));
        TransformerConfig c = TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize())
                .hiddenSize(16).intermediateSize(32).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
                .maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
        try (CausalLm m = CausalLm.randomInit(c, 5)) {
            Checkpoint.write(model, m, tok, new PromptTemplate("Q: {prompt}\nA: "), Provenance.of(5, "test", "", null, null));
        }
    }

    @Test
    void logitsPrintsOneFullPrecisionRowPerPosition() throws Exception {
        CliRun r = run("logits", "--model", model.toString(), "--ids", "3, 4,5");
        assertEquals(0, r.exit(), r.err());
        JsonNode logits = new ObjectMapper().readTree(r.out()).get("logits");
        assertEquals(3, logits.size());
        try (CausalLm m = Checkpoint.loadModel(model)) {
            float[][] expected = m.logits(new int[] {3, 4, 5});
            assertEquals(expected[0].length, logits.get(0).size());
            for (int i = 0; i < 3; i++) {
                for (int v = 0; v < expected[i].length; v++) {
                    // Exact: the printed text reads back to the same float.
                    assertEquals(expected[i][v], Float.parseFloat(logits.get(i).get(v).asText()), 0f);
                }
            }
        }
    }

    @Test
    void logitsNeedsNoTokenizer() throws Exception {
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.copy(model.resolve("config.json"), bare.resolve("config.json"));
        Files.copy(model.resolve("model.safetensors"), bare.resolve("model.safetensors"));
        assertEquals(0, run("logits", "--model", bare.toString(), "--ids", "1").exit());
    }

    @Test
    void generateIsReproducibleBySeedAndAppliesTheTemplate() {
        CliRun a = run("generate", "--model", model.toString(), "--prompt", "12+3", "--n", "3", "--seed", "9",
                "--max-new-tokens", "10", "--json");
        CliRun b = run("generate", "--model", model.toString(), "--prompt", "12+3", "--n", "3", "--seed", "9",
                "--max-new-tokens", "10", "--json");
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), b.out());
        assertEquals(3, a.out().strip().split("\n").length);
        assertTrue(a.out().contains("\"finish_reason\""));
        CliRun greedy = run("generate", "--model", model.toString(), "--prompt", "1", "--temperature", "0",
                "--max-new-tokens", "5");
        assertEquals(0, greedy.exit(), greedy.err());
    }

    @Test
    void generateOnOnnxRuntimeDecodesTheCheckpointAsDjlDoes() throws Exception {
        String[] greedy = {"generate", "--model", model.toString(), "--prompt", "12+3", "--n", "2", "--temperature", "0",
                "--max-new-tokens", "8", "--json"};
        CliRun djl = run(greedy);
        CliRun ort = run(concat(greedy, "--engine", "ONNX_RUNTIME"));
        assertEquals(0, ort.exit(), ort.err());
        ObjectMapper mapper = new ObjectMapper();
        List<String> djlLines = djl.out().strip().lines().toList();
        List<String> ortLines = ort.out().strip().lines().toList();
        assertEquals(djlLines.size(), ortLines.size(), ort.out());
        for (int i = 0; i < djlLines.size(); i++) {
            assertEquals(mapper.readTree(djlLines.get(i)).get("token_ids"), mapper.readTree(ortLines.get(i)).get("token_ids"),
                    "greedy completion " + i);
        }
        String[] sampled = {"generate", "--model", model.toString(), "--prompt", "12+3", "--n", "3", "--seed", "9",
                "--max-new-tokens", "8", "--json", "--engine", "ONNX_RUNTIME"};
        CliRun a = run(sampled);
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), run(sampled).out(), "seeded ONNX Runtime sampling is reproducible");
        assertBad(run(concat(greedy, "--engine", "TPU")), "--engine");
    }

    private static String[] concat(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void infoReportsParametersAndFlops() throws Exception {
        CliRun r = run("info", "--model", model.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode info = new ObjectMapper().readTree(r.out());
        TransformerConfig c = TransformerConfig.read(model);
        assertEquals(c.parameterCount(), info.get("parameters").asLong());
        assertEquals(c.forwardFlopsPerToken(1), info.get("forward_flops_per_token").asLong());
        assertEquals("test", info.get("provenance").get("command").asText());
        assertEquals(0, run("info", "--model", model.toString()).exit());
    }

    @Test
    void initWritesALoadableModelAndRefusesToOverwrite() {
        Path dir = tmp.resolve("fresh");
        CliRun r = run("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--seed", "3");
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint cp = Checkpoint.load(dir)) {
            assertEquals(1, cp.tokenizer().encode("<think>").length);
            assertEquals(cp.tokenizer().eosId(), cp.config().eosTokenId());
            assertTrue(cp.template().isPresent());
            assertTrue(cp.provenance().orElseThrow().command().startsWith("r1j init"));
        }
        assertBad(run("init", "--out", dir.toString()), "already exists");
        assertBad(run("init", "--out", tmp.resolve("x").toString(), "--family", "gpt2"), "--family");
        assertBad(run("init", "--out", tmp.resolve("y").toString(), "--heads", "4", "--kv-heads", "3"), "multiple");
    }

    @Test
    void evalReportsEveryFigureWithItsIntervalReproducibly() throws Exception {
        String[] args = {"eval", "--model", model.toString(), "--task", "arith", "--n", "4", "--k", "2",
            "--max-new-tokens", "8", "--seed", "3", "--json"};
        CliRun a = run(args);
        assertEquals(0, a.exit(), a.err());
        JsonNode r = new ObjectMapper().readTree(a.out());
        for (String f : new String[] {"pass_at_1", "pass_at_k", "maj_at_k", "think_rate", "mean_length"}) {
            assertTrue(r.has(f) && r.get(f + "_ci95").size() == 2, f + " in " + a.out());
        }
        assertEquals(4, r.get("problems").asInt());
        assertEquals(a.out(), run(args).out(), "same seed, same report");
        assertBad(run("eval", "--model", model.toString(), "--task", "math"), "--problems");
        assertBad(run("eval", "--model", model.toString(), "--task", "arith", "--k", "0"), "--k");
        // Without --max-new-tokens the completions fit the model's 64 positions instead of failing.
        CliRun fits = run("eval", "--model", model.toString(), "--task", "arith", "--n", "2", "--k", "1", "--json");
        assertEquals(0, fits.exit(), fits.err());
        assertTrue(new ObjectMapper().readTree(fits.out()).get("mean_length").asDouble() <= 64);
    }

    @Test
    void badInputExitsWithTwoAndNamesTheProblem() throws Exception {
        assertBad(run("logits", "--model", tmp.resolve("missing").toString(), "--ids", "1"), "no such directory");
        assertBad(run("logits", "--model", model.toString(), "--ids", "1,x"), "'x'");
        assertBad(run("logits", "--model", model.toString(), "--ids", "1,999"), "outside the vocabulary");
        assertBad(run("logits", "--model", model.toString(), "--ids", ""), "at least one");
        assertBad(run("generate", "--model", model.toString(), "--prompt", ""), "empty");
        assertBad(run("generate", "--model", model.toString(), "--prompt", "1".repeat(60), "--max-new-tokens", "10"),
                "max_position_embeddings");
        assertBad(run("generate", "--model", model.toString(), "--prompt", "1", "--top-p", "0"), "top_p");
        assertBad(run("logits", "--ids", "1"), "--model");

        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(model.resolve("model.safetensors"), broken.resolve("model.safetensors"));
        Files.writeString(broken.resolve("config.json"),
                Files.readString(model.resolve("config.json")).replace("\"qwen2\"", "\"mamba\""));
        CliRun r = run("logits", "--model", broken.toString(), "--ids", "1");
        assertBad(r, "config.json");
        assertTrue(r.err().contains("model_type") && r.err().contains("qwen2, llama, qwen3, mistral"), r.err());
        Files.writeString(broken.resolve("config.json"), Files.readString(model.resolve("config.json"))
                .replaceFirst("\\{", "{\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2.0},"));
        r = run("logits", "--model", broken.toString(), "--ids", "1");
        assertBad(r, "rope_scaling.rope_type");
        assertTrue(r.err().contains("default, linear, llama3, yarn"), r.err());
    }

    private static void assertBad(CliRun r, String fragment) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        assertTrue(r.err().contains(fragment), "stderr should mention '" + fragment + "': " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace for user error: " + r.err());
    }
}
