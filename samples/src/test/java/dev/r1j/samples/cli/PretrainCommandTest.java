package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.tasks.CheckStyle;
import dev.r1j.rewards.tasks.MultiplicationTask;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.PretrainCorpus;
import dev.r1j.rl.train.SlipPlan;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainCommandTest {

    @TempDir
    Path tmp;

    static final String TINY = "model: {hidden: 32, intermediate: 64, layers: 1, heads: 2, kv_heads: 1, max_positions: 64}\n"
            + "corpus: {tasks: {mul2x2: 40, expr3-4: 40, countdown4: 20}, think_share: 0.25, eval_problems: 9}\n"
            + "training: {batch_size: 4, sequence_length: 64, steps: 6, warmup_steps: 1, eval_every: 3, checkpoint_every: 3}\n";

    @Test
    void trainsALoadableModelWithProvenanceAndResumes() throws Exception {
        Path cfg = tmp.resolve("pt.yaml");
        Files.writeString(cfg, TINY);
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint cp = Checkpoint.load(out.resolve("model"))) {
            assertEquals(1, cp.tokenizer().encode("<think>").length);
            String command = cp.provenance().orElseThrow().command();
            assertTrue(command.startsWith("r1j pretrain --config "), "the command as typed: " + command);
            assertEquals("6", cp.provenance().orElseThrow().extra().get("steps"));
        }
        var metrics = Files.readAllLines(out.resolve("run/metrics.jsonl"));
        assertTrue(metrics.get(metrics.size() - 1).contains("\"step\":6"), metrics.toString());
        assertTrue(metrics.stream().anyMatch(l -> l.contains("eval_loss")), "evaluation loss is logged");
        // Asking for more steps continues the same run from its last checkpoint.
        CliRun more = CliRun.of("pretrain", "--config", cfg.toString(), "--out", out.toString(), "--steps", "9");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.err().contains("resuming from") && more.err().contains("step 6"), more.err());
        byte[] png = Files.readAllBytes(out.resolve("run/loss.png"));
        assertEquals((byte) 0x89, png[0], "a PNG loss curve is written");
        assertEquals('P', png[1]);
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        Path cfg = tmp.resolve("bad.json");
        Files.writeString(cfg, "{\"training\": {\"stepz\": 3}}");
        CliRun r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.json") && r.err().contains("training.stepz"), r.err());
        Path yaml = tmp.resolve("bad.yaml");
        Files.writeString(yaml, "model:\n  hidden: 32\ntraining:\n  steps: 5\n  stepz: 3\n");
        r = CliRun.of("pretrain", "--config", yaml.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("bad.yaml:5") && r.err().contains("training.stepz"), "file, line and field: " + r.err());
        Files.writeString(cfg, "{\"model\": {\"hidden\": \"big\"}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("model.hidden") && r.err().contains("integer"), r.err());
        Files.writeString(cfg, "{\"model\": {\"max_positions\": 32}, \"training\": {\"sequence_length\": 64}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("training.sequence_length"), r.err());
        Files.writeString(cfg, "{\"corpus\": {\"tasks\": {\"mul2x2\": 10, \"division\": 5}}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("corpus.tasks.division") && r.err().contains("mulAxB"), r.err());
        Files.writeString(cfg, "{\"corpus\": {\"tasks\": {\"mul2x2\": -1}}}");
        r = CliRun.of("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertTrue(r.err().contains("corpus.tasks.mul2x2") && r.err().contains("non-negative"), r.err());
    }

    /** The error of {@code r1j pretrain} on a config file {@code name} holding {@code text}, which must be refused as bad input. */
    private String refusal(String name, String text) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, text);
        CliRun r = CliRun.of("pretrain", "--config", file.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit(), r.err());
        return r.err();
    }

    @Test
    void aShareOutOfRangeIsNamedAtItsField() throws Exception {
        String err = refusal("check.yaml", "corpus:\n  think_share: 0.25\n  check_share: 1.5\n");
        assertTrue(err.contains("check.yaml:3") && err.contains("corpus.check_share") && err.contains("[0, 1]"), err);
        err = refusal("slip.json", "{\"corpus\": {\"check_share\": 0.1, \"slip_share\": -0.5}}");
        assertTrue(err.contains("corpus.slip_share") && err.contains("[0, 1]"), err);
        err = refusal("think.json", "{\"corpus\": {\"think_share\": 2}}");
        assertTrue(err.contains("corpus.think_share") && err.contains("[0, 1]"), err);
        err = refusal("text.json", "{\"corpus\": {\"check_share\": \"some\"}}");
        assertTrue(err.contains("corpus.check_share") && err.contains("must be a number"), err);
    }

    static Path recipes() {
        return ConfigurationReferenceTest.doc().getParent().getParent().resolve("models/recipes");
    }

    /** A recipe read as {@code r1j pretrain} reads it, without training: every section and setting is accepted. */
    static PretrainCorpus readRecipe(Path file) {
        ConfigFile f = ConfigFile.read(file);
        f.rejectUnknown(PretrainCommand.TOP_FIELDS);
        f.section("model", PretrainCommand.MODEL_FIELDS);
        PretrainCommand.trainingSection(f.section("training", PretrainCommand.TRAINING_FIELDS), null);
        return PretrainCommand.corpusSection(f.section("corpus", PretrainCommand.CORPUS_FIELDS));
    }

    @Test
    void thePretrainingRecipesAreAcceptedAndTheCandidatesOnlyAddChecks() throws Exception {
        Path dir = recipes();
        PretrainCorpus teacher = readRecipe(dir.resolve("arith-teacher-base.yaml"));
        assertEquals(0, teacher.checkShare(), "the shipped base's recipe has no checks");
        assertEquals(0, readRecipe(dir.resolve("arith-student-base.yaml")).checkShare());
        var teacherJson = ConfigFile.read(dir.resolve("arith-teacher-base.yaml")).json();
        assertCandidate(dir, teacher, teacherJson, "arith-teacher-base-v2", 0.05, 0.5);
        assertCandidate(dir, teacher, teacherJson, "arith-teacher-base-check30", 0.3, 0.3);
        for (String split : List.of("arith-teacher-base-split10", "arith-teacher-base-split30")) {
            assertCandidate(dir, teacher, teacherJson, split, split.endsWith("10") ? 0.1 : 0.3, 0.5);
            PretrainCorpus c = readRecipe(dir.resolve(split + ".yaml"));
            assertEquals(CheckStyle.SPLIT, c.checkStyle(), split);
            assertTrue(c.maskSlips(), split);
        }
        assertEquals(CheckStyle.INVERSE, readRecipe(dir.resolve("arith-teacher-base-v2.yaml")).checkStyle());
        assertCandidate(dir, teacher, teacherJson, "arith-teacher-base-v3", 0.3, 0.5);
        PretrainCorpus v3 = readRecipe(dir.resolve("arith-teacher-base-v3.yaml"));
        assertEquals(List.of(CheckStyle.SPLIT, SlipPlan.EACH_STEP, true), List.of(v3.checkStyle(), v3.slips(), v3.maskSlips()));
        assertCandidate(dir, teacher, teacherJson, "arith-teacher-base-v4", 0.3, 0.5);
        PretrainCorpus v4 = readRecipe(dir.resolve("arith-teacher-base-v4.yaml"));
        assertEquals(List.of(CheckStyle.SPLIT_COMPARED, SlipPlan.EACH_STEP, true), List.of(v4.checkStyle(), v4.slips(), v4.maskSlips()));
    }

    @Test
    void aCheckStyleIsNamedOrRefusedAtItsField() throws Exception {
        String err = refusal("style.yaml", "corpus:\n  check_share: 0.1\n  check_style: sideways\n");
        assertTrue(err.contains("style.yaml:3") && err.contains("corpus.check_style") && err.contains("[INVERSE, SPLIT, SPLIT_COMPARED]")
                && err.contains("'sideways'"), err);
    }

    @Test
    void aMaskedSlipIsNotLearnedAndEveryOtherTokenIs() throws Exception {
        PretrainCorpus corpus = new PretrainCorpus(List.of(new PretrainCorpus.Part(new MultiplicationTask(2, 2), 200)), 1, 1, 0.5, 4,
                CheckStyle.SPLIT, SlipPlan.EACH_STEP, true);
        List<PretrainCorpus.Document> docs = corpus.maskedDocuments(PromptTemplate.DEFAULT);
        CharVocabulary vocab = CharVocabulary.builder().addTokens("<think>", "</think>", "<answer>", "</answer>")
                .addCharacters(InitCommand.DEFAULT_ALPHABET);
        docs.forEach(d -> vocab.addCharacters(d.text()));
        HfTokenizer tok = vocab.writeTo(tmp.resolve("tok"));
        List<TrainingExample> examples = PretrainCommand.examples(docs, tok);
        int masked = 0;
        for (int i = 0; i < docs.size(); i++) {
            PretrainCorpus.Document d = docs.get(i);

            int[] whole = tok.encode(d.text());
            int[] ids = examples.get(i).tokens();
            assertArrayEquals(whole, java.util.Arrays.copyOf(ids, ids.length - 1), "the pieces are the whole text's tokens");
            assertEquals(tok.eosId(), ids[ids.length - 1]);
            boolean[] learned = examples.get(i).learned();
            if (!d.masked()) {
                assertEquals(null, learned, "an unmasked document learns every token after the first: " + d.text());
                continue;
            }
            StringBuilder unlearned = new StringBuilder();
            for (int t = 1; t < ids.length - 1; t++) {
                if (!learned[t]) {
                    unlearned.append(tok.decode(new int[] {ids[t]}, false));
                }
            }
            StringBuilder slipped = new StringBuilder();
            d.unlearned().forEach(span -> slipped.append(d.text(), span.start(), span.end()));
            assertEquals(slipped.toString(), unlearned.toString(), d.text());
            masked++;
            assertTrue(learned[ids.length - 1], "the end of the document is learned");
        }
        assertTrue(masked > 150 && masked < docs.size(), masked + " of " + docs.size() + " documents slip (1 - 0.5^3 of them)");
    }

    /** Recipe {@code name} is arith-teacher-base's with the two shares (and a check style and slip mask) added, and its documents fit its sequences. */
    private static void assertCandidate(Path dir, PretrainCorpus teacher, com.fasterxml.jackson.databind.JsonNode teacherJson,
            String name, double checkShare, double slipShare) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        PretrainCorpus candidate = readRecipe(file);
        ConfigFile recipe = ConfigFile.read(file);
        assertEquals(checkShare, candidate.checkShare(), name);
        assertEquals(slipShare, candidate.slipShare(), name);
        assertEquals(teacher.parts(), candidate.parts(), name);
        assertEquals(teacher.thinkShare(), candidate.thinkShare(), name);
        assertEquals(teacher.seed(), candidate.seed(), name);
        // Apart from the two shares (and the check style and slip mask), the same recipe: model, training and the rest of the corpus.
        var json = recipe.json().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("corpus")).remove(List.of("check_share", "slip_share", "check_style", "slips", "mask_slips"));
        assertEquals(teacherJson, json, name);
        assertTrue(Files.readString(file).contains("./r1j pretrain --config models/recipes/" + name + ".yaml"), name);
        // Checked solutions are longer; they must still fit the recipe's sequences, so that a model can see
        // a whole solution in one window (one character a token, tags one token each; the end-of-sequence
        // token after it may open the next row, as the packer streams documents).
        int length = PretrainCommand.trainingSection(recipe.section("training", PretrainCommand.TRAINING_FIELDS), null)
                .sequenceLength();
        List<String> docs = candidate.resized(4000, 3).documents(PromptTemplate.DEFAULT);
        assertTrue(docs.stream().anyMatch(d -> d.contains("<think>solve and check\n")), name + ": some documents check");
        // Where every step can slip (slips EACH_STEP), a product that slips at all three steps runs a few
        // tokens over; such documents are rare, and the packer still trains on them, cut across two rows.
        List<String> over = new ArrayList<>();
        for (String d : docs) {
            int tokens = d.length();
            for (String tag : List.of("<think>", "</think>", "<answer>", "</answer>")) {
                tokens -= d.contains(tag) ? tag.length() - 1 : 0;
            }
            if (tokens > length) {
                over.add(tokens + " tokens: " + d);
            }
        }
        if (candidate.slips() == SlipPlan.EACH_STEP) {
            assertTrue(over.size() <= docs.size() / 200, name + ": " + over.size() + " of " + docs.size() + " documents over: " + over);
        } else {
            assertEquals(List.of(), over, name);
        }
    }
}
