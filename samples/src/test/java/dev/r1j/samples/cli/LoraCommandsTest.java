package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
            a.load(new DecoderWeights.MapWeights(values, shapes), null);
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
}
