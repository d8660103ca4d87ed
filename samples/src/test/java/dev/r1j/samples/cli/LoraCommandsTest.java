package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.distill.traces.Trace;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter directories through the command line: merge-lora, and --model taking an adapter. */
class LoraCommandsTest {

    @TempDir
    static Path tmp;
    static Path base;
    static Path adapter;
    static HfTokenizer tok;
    static final int[] IDS = {3, 4, 5, 6};

    static TransformerConfig config(int intermediate) {
        return TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(tok.vocabSize()).hiddenSize(16)
                .intermediateSize(intermediate).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2)
                .maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
    }

    static Path writeBase(Path dir, TransformerConfig c, long seed) {
        try (CausalLm m = CausalLm.randomInit(c, seed)) {
            Checkpoint.write(dir, m, tok, new PromptTemplate("Q: {prompt}\nA: "), Provenance.of(seed, "test", "", null, null));
        }
        return dir;
    }

    @BeforeAll
    static void writeBaseAndAdapter() {
        tok = CharVocabulary.builder().addCharacters("0123456789+-*= \n:QA").writeTo(tmp.resolve("tok"));
        base = writeBase(tmp.resolve("base"), config(32), 5);
        adapter = tmp.resolve("adapter");
        try (Checkpoint cp = Checkpoint.load(base)) {
            LoraConfig lora = LoraConfig.builder().rank(2).build();
            LoraAdapter a = LoraAdapter.create(cp.model(), lora, LoraBase.of(base), 1);
            Random r = new Random(2);
            Map<String, float[]> values = new LinkedHashMap<>();
            Map<String, long[]> shapes = LoraAdapter.peftShapes(lora, cp.config());
            shapes.forEach((name, shape) -> {
                float[] v = new float[(int) (shape[0] * shape[1])];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.2 * r.nextGaussian());
                }
                values.put(name, v);
            });
            a.load(HostWeights.of(values, shapes), null);
            LoraDirectory.write(adapter, a, cp.tokenizer(), cp.template().orElse(null), Provenance.of(1, "test", "", null, null));
        }
    }

    @Test
    void mergeLoraWritesAModelWithTheAdaptersLogits() {
        Path out = tmp.resolve("merged");
        CliRun r = CliRun.of("merge-lora", "--adapter", adapter.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("F32"), r.out());
        try (Checkpoint a = Checkpoint.load(adapter); Checkpoint m = Checkpoint.load(out)) {
            float[][] x = a.model().logits(IDS);
            float[][] y = m.model().logits(IDS);
            for (int i = 0; i < x.length; i++) {
                for (int v = 0; v < x[i].length; v++) {
                    assertEquals(x[i][v], y[i][v], 1e-5);
                }
            }
            try (Checkpoint b = Checkpoint.load(base)) {
                assertTrue(Math.abs(b.model().logits(IDS)[0][0] - x[0][0]) > 1e-6, "the adapter changes the logits");
            }
        }
        CliRun again = CliRun.of("merge-lora", "--adapter", adapter.toString(), "--out", out.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void aMismatchedBaseOrANonAdapterIsBadInput() {
        Path other = writeBase(tmp.resolve("other"), config(24), 6);
        CliRun r = CliRun.of("merge-lora", "--adapter", adapter.toString(), "--base", other.toString(), "--out",
                tmp.resolve("never").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(LoraDirectory.WEIGHTS_FILE) && r.err().contains("lora_"), r.err());
        assertTrue(!Files.exists(tmp.resolve("never")));
        CliRun notAdapter = CliRun.of("merge-lora", "--adapter", base.toString(), "--out", tmp.resolve("never").toString());
        assertEquals(2, notAdapter.exit());
        assertTrue(notAdapter.err().contains(LoraDirectory.CONFIG_FILE), notAdapter.err());
    }

    @Test
    void modelTakesAnAdapterDirectory() {
        CliRun g = CliRun.of("generate", "--model", adapter.toString(), "--prompt", "1+2", "--max-new-tokens", "4",
                "--seed", "3");
        assertEquals(0, g.exit(), g.err());
        CliRun l = CliRun.of("logits", "--model", adapter.toString(), "--ids", "3,4,5,6");
        assertEquals(0, l.exit(), l.err());
        try (Checkpoint a = Checkpoint.load(adapter)) {
            float first = a.model().logits(IDS)[0][0];
            assertTrue(l.out().contains(Float.toString(first)), "logits print the adapted model's values");
        }
    }

    private static Path initModel(String name) {
        Path dir = tmp.resolve(name);
        if (!Files.exists(dir)) {
            CliRun r = CliRun.of("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                    "--heads", "2", "--kv-heads", "1", "--max-positions", "128");
            assertEquals(0, r.exit(), r.err());
        }
        return dir;
    }

    @Test
    void grpoWithLoraWritesAdapterDirectoriesAndResumes() throws Exception {
        Path init = initModel("init-grpo");
        Path cfg = tmp.resolve("grpo-lora.yaml");
        Files.writeString(cfg, "task: mul2x2\nlora: {rank: 2, target_modules: [q_proj, v_proj, down_proj]}\n"
                + "grpo: {prompts_per_step: 2, group_size: 2, max_new_tokens: 6, learning_rate: 1.0e-2, beta: 0.1, "
                + "checkpoint_every: 1}\n");
        Path run = tmp.resolve("grpo-lora");
        CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--model", init.toString(), "--lora-rank", "3",
                "--steps", "1", "--out", run.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("LoRA adapter"), r.err());
        JsonNode saved = new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("lora");
        assertEquals(3, saved.get("rank").asInt(), "--lora-rank overrides the file");
        assertEquals(6.0, saved.get("alpha").asDouble(), "alpha follows the rank when the file leaves it out");
        for (Path dir : new Path[] {run.resolve("model"), run.resolve("checkpoints/step-1")}) {
            assertTrue(LoraDirectory.isAdapterDirectory(dir), dir.toString());
            assertTrue(!Files.exists(dir.resolve("model.safetensors")), dir.toString());
            JsonNode adapterCfg = new ObjectMapper().readTree(dir.resolve(LoraDirectory.CONFIG_FILE).toFile());
            assertEquals(3, adapterCfg.get("r").asInt());
            assertEquals(init.toAbsolutePath().normalize().toString(), adapterCfg.get("base_model_name_or_path").asText());
        }
        CliRun more = CliRun.of("grpo", "--resume", run.toString(), "--steps", "2");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.err().contains("resuming from"), more.err());
        CliRun g = CliRun.of("generate", "--model", run.resolve("model").toString(), "--prompt", "12*3",
                "--max-new-tokens", "4");
        assertEquals(0, g.exit(), g.err());
        // A run may start from an adapter: it trains that adapter (a differing lora section is refused).
        CliRun onAdapter = CliRun.of("grpo", "--config", cfg.toString(), "--model", run.resolve("model").toString(),
                "--lora-rank", "3", "--steps", "1", "--out", tmp.resolve("grpo-on-adapter").toString());
        assertEquals(0, onAdapter.exit(), onAdapter.err());
        CliRun mismatch = CliRun.of("grpo", "--config", cfg.toString(), "--model", run.resolve("model").toString(),
                "--lora-rank", "4", "--steps", "1", "--out", tmp.resolve("grpo-mismatch").toString());
        assertEquals(2, mismatch.exit(), mismatch.err());
        assertTrue(mismatch.err().contains("must match"), mismatch.err());
    }

    @Test
    void badLoraSettingsAreNamedBeforeAnyWork() throws Exception {
        Path cfg = tmp.resolve("bad-lora.yaml");
        Map<String, String> cases = Map.of(
                "lora:\n  rank: 0\n", "lora.rank",
                "lora:\n  target_modules: [q_proj, qkv_proj]\n", "lora.target_modules",
                "lora:\n  dropout: 0.1\n", "lora.dropout",
                "lora:\n  rnak: 4\n", "lora.rnak");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Files.writeString(cfg, "model: x\ntask: arith\n" + e.getKey());
            CliRun r = CliRun.of("grpo", "--config", cfg.toString(), "--out", tmp.resolve("never").toString());
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains("bad-lora.yaml:") && r.err().contains(e.getValue()), r.err());
            assertTrue(r.err().contains("bad-lora.yaml:" + (e.getKey().startsWith("lora:\n  ") ? 4 : 3)), r.err());
        }
        CliRun flag = CliRun.of("grpo", "--model", "x", "--task", "arith", "--lora-rank", "0", "--out",
                tmp.resolve("never").toString());
        assertEquals(2, flag.exit());
        assertTrue(flag.err().contains("--lora-rank 0") && flag.err().contains("rank must be > 0"), flag.err());
        assertTrue(!Files.exists(tmp.resolve("never")));
        Path traces = tmp.resolve("none.jsonl");
        Files.writeString(traces, "");
        CliRun sft = CliRun.of("sft", "--model", "builtin:nothing", "--traces", traces.toString(), "--lora-rank", "-1",
                "--out", tmp.resolve("never").toString());
        assertEquals(2, sft.exit());
        assertTrue(sft.err().contains("--lora-rank -1"), sft.err());
    }

    @Test
    void sftAndDistillTrainAnAdapterOnTheStudent() throws Exception {
        Path student = initModel("student");
        Path traces = tmp.resolve("traces.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(new Trace(i, "p" + i, "Question: " + i + "*2\nAnswer: ", "<answer>" + (2 * i) + "</answer>", 1, "t",
                    "h", 1, 1, 16, 0, "now").toJson()).append('\n');
        }
        Files.writeString(traces, sb.toString());
        Path cfg = tmp.resolve("sft-lora.yaml");
        Files.writeString(cfg, "training: {batch_size: 2, sequence_length: 64, steps: 2, warmup_steps: 1, "
                + "checkpoint_every: 1}\nlora: {rank: 4, alpha: 4}\n");
        Path out = tmp.resolve("sft-lora");
        CliRun r = CliRun.of("sft", "--model", student.toString(), "--traces", traces.toString(), "--config", cfg.toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(LoraDirectory.isAdapterDirectory(out.resolve("model")));
        assertTrue(LoraDirectory.isAdapterDirectory(out.resolve("run/checkpoints/step-1")));
        assertEquals(4.0, LoraDirectory.readConfig(out.resolve("model")).alpha());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            assertEquals(Checkpoint.sha256(student), cp.provenance().orElseThrow().parentSha256());
        }
        Path distilled = tmp.resolve("distill-lora");
        Path plain = tmp.resolve("distill.yaml");
        Files.writeString(plain, "training: {batch_size: 2, sequence_length: 64, steps: 1, warmup_steps: 0}\n");
        CliRun d = CliRun.of("distill", "--teacher", out.resolve("model").toString(), "--model", student.toString(),
                "--traces", traces.toString(), "--config", plain.toString(), "--lora-rank", "2", "--out",
                distilled.toString());
        assertEquals(0, d.exit(), d.err());
        assertEquals(2, LoraDirectory.readConfig(distilled.resolve("model")).rank(), "an adapter teacher, an adapter student");
        Path onnx = tmp.resolve("onnx/model.onnx");
        CliRun x = CliRun.of("export-onnx", "--model", out.resolve("model").toString(), "--out", onnx.toString());
        assertEquals(0, x.exit(), x.err());
        CliRun viaOnnx = CliRun.of("logits", "--model", onnx.toString(), "--ids", "3,4,5");
        assertEquals(0, viaOnnx.exit(), viaOnnx.err());
        JsonNode rows = new ObjectMapper().readTree(viaOnnx.out()).get("logits");
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            float[][] expected = cp.model().logits(new int[] {3, 4, 5});
            for (int i = 0; i < expected.length; i++) {
                for (int v = 0; v < expected[i].length; v++) {
                    assertEquals(expected[i][v], rows.get(i).get(v).asDouble(), 1e-4, "the export is the merged adapter");
                }
            }
        }
    }

    @Test
    void aNightlySftLoraTrainsAnAdapterAndPublishesTheMergedStudent() throws Exception {
        Path cfg = tmp.resolve("night-lora.yaml");
        Files.writeString(cfg, """
                teacher: builtin:arith-teacher-rl
                student_base: builtin:arith-student-base
                traces: {problems: 4, samples_per_problem: 2, max_new_tokens: 48}
                sft:
                  batch_size: 4
                  sequence_length: 96
                  steps: 2
                  warmup_steps: 1
                  checkpoint_every: 1
                  lora: {rank: 2, target_modules: [q_proj, v_proj]}
                eval: {problems: 4, k: 1, max_new_tokens: 32}
                gate: {min_improvement: -1}
                """);
        Path work = tmp.resolve("night-lora");
        CliRun r = CliRun.of("nightly", "--config", cfg.toString(), "--workdir", work.toString(), "--night", "2026-11-30");
        assertEquals(0, r.exit(), r.err());
        Path night = work.resolve("nights/2026-11-30");
        assertTrue(LoraDirectory.isAdapterDirectory(night.resolve("train/checkpoints/step-2")), "checkpoints are adapters");
        assertTrue(!LoraDirectory.isAdapterDirectory(work.resolve("published")), "the published student is merged");
        JsonNode recorded = Provenance.readFrom(work.resolve("published")).config();
        assertEquals(2, recorded.path("sft").path("lora").path("rank").asInt(), recorded.toString());

        Files.writeString(cfg, "teacher: builtin:arith-teacher-rl\nstudent_base: builtin:arith-student-base\nsft:\n"
                + "  lora:\n    rank: 0\n");
        CliRun bad = CliRun.of("nightly", "--config", cfg.toString(), "--workdir", tmp.resolve("never").toString());
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("night-lora.yaml:5") && bad.err().contains("sft.lora.rank"), bad.err());
    }

    @Test
    void theConfigurationReferenceListsTheLoraSectionWithItsDefaults() throws Exception {
        List<String> lines = Files.readAllLines(ConfigurationReferenceTest.doc());
        Map<String, String> defaults = new LinkedHashMap<>();
        boolean in = false;
        for (String line : lines) {
            if (line.equals("<!-- section: lora -->")) {
                in = true;
            } else if (in && line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                defaults.put(cells[1].strip().replace("`", ""), cells[3].strip());
            } else if (in && !line.startsWith("|")) {
                break;
            }
        }
        assertEquals(new java.util.TreeSet<>(LoraSettings.FIELDS), new java.util.TreeSet<>(defaults.keySet()));
        LoraConfig d = LoraConfig.builder().build();
        assertEquals("`" + d.rank() + "`", defaults.get("rank"));
        assertEquals(2 * d.rank(), d.alpha(), "documented as 2 x rank");
        assertEquals("2 x `rank`", defaults.get("alpha"));
        assertEquals("`0`", defaults.get("dropout"));
        assertEquals(0.0, d.dropout());
        assertEquals(7, d.targetModules().size(), "documented as all seven");
        assertEquals("all seven", defaults.get("target_modules"));
        assertEquals(d, LoraSettings.read(null, 16).orElseThrow(), "--lora-rank 16 alone is the defaults");
    }
}
