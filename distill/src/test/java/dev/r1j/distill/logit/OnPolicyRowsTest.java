package dev.r1j.distill.logit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.train.RowSource;
import dev.r1j.rl.train.SequencePacker;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnPolicyRowsTest {

    @TempDir
    static Path shared;

    private static HfTokenizer tok;
    private static TransformerConfig tiny;
    private static final List<String> PROMPTS = List.of("Q: 1+2\nA:", "Q: 3*4\nA:", "Q: 5+5\nA:", "Q: 9*9\nA:");
    private static final SamplingParams SAMPLING = SamplingParams.builder().maxNewTokens(6).temperature(1).build();
    private static final int T = 16;

    @BeforeAll
    static void vocabulary() {
        tok = CharVocabulary.builder().addCharacters("0123456789+*= QA:\n").writeTo(shared.resolve("tok"));
        tiny = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(64).build();
    }

    @Test
    void aRowIsThePromptThenTheCompletionWithOnlyCompletionTargetsCounted() {
        SequencePacker.Row r = OnPolicyRows.row(new int[] {5, 6, 7}, new int[] {8, 9}, 6, 0);
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 0, 0}, r.tokens());
        // position i predicts token i+1: tokens 8 (pos 2) and 9 (pos 3) are learned, the prompt and padding are not
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, r.targetMask());
        SequencePacker.Row cut = OnPolicyRows.row(new int[] {5, 6}, new int[] {1, 2, 3, 4, 5}, 4, 0);
        assertArrayEquals(new int[] {5, 6, 1, 2, 3}, cut.tokens());
        assertArrayEquals(new float[] {0, 1, 1, 1}, cut.targetMask());
    }

    @Test
    void onPolicyRowsAreTheStudentsOwnSamplesAndDependOnlyOnTheCursor() {
        try (CausalLm student = CausalLm.randomInit(tiny, 5)) {
            OnPolicyRows source = new OnPolicyRows(student, tok, PROMPTS, null, 1.0, SAMPLING, 3);
            RowSource.Batch a = source.rows(8, 4, T);
            RowSource.Batch b = source.rows(8, 4, T);
            assertEquals(4, a.rows().size());
            assertTrue(a.generatedTokens() > 0);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.rows().get(i).tokens(), b.rows().get(i).tokens());
                String text = tok.decode(a.rows().get(i).tokens(), true);
                assertTrue(PROMPTS.stream().anyMatch(text::startsWith), text);
                assertTrue(a.rows().get(i).targets() > 0);
            }
            RowSource.Batch other = source.rows(12, 4, T);
            boolean differs = false;
            for (int i = 0; i < 4; i++) {
                differs |= !java.util.Arrays.equals(a.rows().get(i).tokens(), other.rows().get(i).tokens());
            }
            assertTrue(differs, "another cursor draws other prompts or samples");
        }
    }

    @Test
    void theFractionChoosesBetweenStudentSamplesAndTheOffPolicySource() {
        SequencePacker.Row stored = OnPolicyRows.row(new int[] {1, 2}, new int[] {3}, T, 0);
        RowSource offPolicy = (cursor, count, t) -> new RowSource.Batch(java.util.Collections.nCopies(count, stored), 0);
        try (CausalLm student = CausalLm.randomInit(tiny, 5)) {
            OnPolicyRows never = new OnPolicyRows(student, tok, PROMPTS, offPolicy, 0.0, SAMPLING, 3);
            assertSame(stored, never.rows(0, 2, T).rows().get(0));
            OnPolicyRows half = new OnPolicyRows(student, tok, PROMPTS, offPolicy, 0.5, SAMPLING, 3);
            int on = 0;
            for (long c = 0; c < 400; c += 4) {
                on += half.onPolicy(c) ? 1 : 0;
            }
            assertTrue(on > 30 && on < 70, on + " of 100 steps on-policy at fraction 0.5");
        }
        assertThrows(IllegalArgumentException.class, () -> new OnPolicyRows(null, tok, PROMPTS, null, 0.5, SAMPLING, 1));
        assertThrows(IllegalArgumentException.class, () -> new OnPolicyRows(null, tok, PROMPTS, offPolicy, 1.5, SAMPLING, 1));
    }

    private static SupervisedConfig config(int steps) {
        return SupervisedConfig.builder().batchSize(4).sequenceLength(T).steps(steps).warmupSteps(0).learningRate(1e-2)
                .evalEvery(0).checkpointEvery(2).build();
    }

    @Test
    void onPolicyDistillationMovesTheStudentTowardTheTeacherOnItsOwnSamplesAndBooksTheirCost(@TempDir Path tmp) {
        try (CausalLm teacher = CausalLm.randomInit(tiny, 1); CausalLm student = CausalLm.randomInit(tiny, 2)) {
            TeacherDivergence loss = new TeacherDivergence(teacher, GeneralizedJsd.REVERSE_KL);
            OnPolicyRows source = new OnPolicyRows(student, tok, PROMPTS, null, 1.0, SAMPLING, 7);
            double before = divergenceOnOwnSamples(student, loss, source, tmp.resolve("probe0"));
            new SupervisedTrainer(student, config(24), tmp.resolve("run"), tok.padId(), ProgressListener.silent(), loss)
                    .train(source, List.of());
            double after = divergenceOnOwnSamples(student, loss, source, tmp.resolve("probe1"));
            assertTrue(after < before * 0.5, "reverse KL on the student's own samples " + before + " -> " + after);
            Map<String, CostLedger.Stage> stages = CostLedger.read(tmp.resolve("run").resolve(SupervisedTrainer.LEDGER)).stages();
            assertTrue(stages.get("generation").tokens() > 0, stages.toString());
            assertEquals(24L * 4 * T, stages.get("teacher").tokens());
            assertEquals(24L * 4 * T, stages.get("optimisation").tokens());
        }
    }

    /** The loss on rows the student samples now, averaged over a few cursors. */
    private static double divergenceOnOwnSamples(CausalLm student, TeacherDivergence loss, OnPolicyRows source, Path dir) {
        SupervisedTrainer probe = new SupervisedTrainer(student, config(1), dir, tok.padId(), ProgressListener.silent(), loss);
        double sum = 0;
        for (long c = 1000; c < 1040; c += 4) {
            List<SequencePacker.Row> rows = source.rows(c, 4, T).rows();
            sum += probe.evaluateRows(rows);
        }
        return sum / 10;
    }

    @Test
    void aResumedOnPolicyRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        byte[] straight;
        try (CausalLm teacher = CausalLm.randomInit(tiny, 1); CausalLm student = CausalLm.randomInit(tiny, 2)) {
            OnPolicyRows source = new OnPolicyRows(student, tok, PROMPTS, null, 1.0, SAMPLING, 7);
            new SupervisedTrainer(student, config(4), tmp.resolve("straight"), tok.padId(), ProgressListener.silent(),
                    new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL)).train(source, List.of());
            straight = Files.readAllBytes(tmp.resolve("straight/checkpoints/step-4/model.safetensors"));
        }
        try (CausalLm teacher = CausalLm.randomInit(tiny, 1); CausalLm student = CausalLm.randomInit(tiny, 2)) {
            OnPolicyRows source = new OnPolicyRows(student, tok, PROMPTS, null, 1.0, SAMPLING, 7);
            RowSource dies = (cursor, count, t) -> {
                if (cursor >= 12) {
                    throw new IllegalStateException("killed");
                }
                return source.rows(cursor, count, t);
            };
            SupervisedTrainer trainer = new SupervisedTrainer(student, config(4), tmp.resolve("resumed"), tok.padId(),
                    ProgressListener.silent(), new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL));
            assertThrows(IllegalStateException.class, () -> trainer.train(dies, List.of()));
            assertTrue(Files.exists(tmp.resolve("resumed/checkpoints/step-2")));
        }
        try (CausalLm teacher = CausalLm.randomInit(tiny, 1); CausalLm student = CausalLm.randomInit(tiny, 99)) {
            OnPolicyRows source = new OnPolicyRows(student, tok, PROMPTS, null, 1.0, SAMPLING, 7);
            new SupervisedTrainer(student, config(4), tmp.resolve("resumed"), tok.padId(), ProgressListener.silent(),
                    new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL)).train(source, List.of());
        }
        assertArrayEquals(straight, Files.readAllBytes(tmp.resolve("resumed/checkpoints/step-4/model.safetensors")));
    }
}
