package dev.r1j.distill.logit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherDivergenceTest {

    @TempDir
    Path tmp;

    private static final TransformerConfig TINY = TransformerConfig.builder().vocabSize(12).hiddenSize(16).intermediateSize(32)
            .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1).maxPositionEmbeddings(32).build();

    private static List<TrainingExample> data() {
        Random r = new Random(1);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int[] ids = new int[8];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = 3 + r.nextInt(9);
            }
            out.add(new TrainingExample(ids, 3));
        }
        return out;
    }

    private static SupervisedConfig config(int steps) {
        return SupervisedConfig.builder().batchSize(2).sequenceLength(16).steps(steps).warmupSteps(0).learningRate(1e-2)
                .evalEvery(0).checkpointEvery(0).build();
    }

    @Test
    void aStudentIdenticalToItsTeacherHasZeroLoss() {
        try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = teacher.copy()) {
            for (GeneralizedJsd d : List.of(GeneralizedJsd.FORWARD_KL, new GeneralizedJsd(0.5), GeneralizedJsd.REVERSE_KL)) {
                double loss = new SupervisedTrainer(student, config(1), tmp.resolve("z"), 0, ProgressListener.silent(),
                        new TeacherDivergence(teacher, d)).evaluate(data());
                assertEquals(0.0, loss, 1e-5, "beta " + d.beta());
            }
        }
    }

    @Test
    void distillationMovesTheStudentTowardTheTeacher() {
        for (GeneralizedJsd d : List.of(GeneralizedJsd.FORWARD_KL, new GeneralizedJsd(0.5), GeneralizedJsd.REVERSE_KL)) {
            try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = CausalLm.randomInit(TINY, 2)) {
                TeacherDivergence loss = new TeacherDivergence(teacher, d);
                SupervisedTrainer trainer = new SupervisedTrainer(student, config(30), tmp.resolve("run-" + d.beta()), 0,
                        ProgressListener.silent(), loss);
                double before = trainer.evaluate(data());
                trainer.train(data(), List.of());
                double after = trainer.evaluate(data());
                assertTrue(after < before * 0.5, "beta " + d.beta() + ": divergence " + before + " -> " + after);
            }
        }
    }

    private static final int B = 2;
    private static final int T = 6;

    /** Inputs [B, T] and, for the loss, the flat positions 1, 2, 4, 5, 7, 8, 10, 11 (prompts are positions 0, 3, 6, 9). */
    private static long[] inputIds() {
        Random r = new Random(5);
        long[] ids = new long[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(12);
        }
        return ids;
    }

    private static final long[] ROWS = {1, 2, 4, 5, 7, 8, 10, 11};

    private static long[] positions() {
        long[] pos = new long[B * T];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % T;
        }
        return pos;
    }

    private static float[] ones() {
        float[] keep = new float[B * T];
        java.util.Arrays.fill(keep, 1f);
        return keep;
    }

    /** Parameter gradients of {@code loss} (which runs inside an open collector), then zeroed. */
    private static List<float[]> gradients(CausalLm student, java.util.function.BiConsumer<NDManager, GradientCollector> loss) {
        List<NDArray> params = student.parameters();
        params.forEach(p -> p.setRequiresGradient(true));
        try (NDManager m = student.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss.accept(m, gc);
            }
            List<float[]> out = new ArrayList<>();
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.attach(m);
                out.add(g.toFloatArray());
            }
            return out;
        } finally {
            Engines.zeroGradients(params);
            params.forEach(p -> p.setRequiresGradient(false));
            Engines.gradMode(false);
        }
    }

    @Test
    void chunkedDivergencesAndTheirGradientsEqualTheWholeComputation() {
        for (GeneralizedJsd d : List.of(GeneralizedJsd.FORWARD_KL, new GeneralizedJsd(0.3), GeneralizedJsd.REVERSE_KL)) {
          for (int studentSeed : new int[] {2, 1}) { // 1: the teacher itself, where the divergence is 0
            try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = CausalLm.randomInit(TINY, studentSeed)) {
                TeacherDivergence loss = new TeacherDivergence(teacher, d);
                double[] wholeValue = new double[1];
                List<float[]> whole = gradients(student, (m, gc) -> {
                    NDArray inputs = m.create(inputIds(), new Shape(B, T));
                    NDArray rows = m.create(ROWS);
                    boolean grad = Engines.gradMode(false);
                    NDArray teacherLp = teacher.forward(inputs, positions(), ones(), null).reshape(B * T, 12).get(rows)
                            .logSoftmax(-1);                                                          // [N, V]
                    Engines.gradMode(grad);
                    NDArray studentLp = student.forward(inputs, positions(), ones(), null).reshape(B * T, 12).get(rows)
                            .logSoftmax(-1);                                                          // [N, V]
                    NDArray value = d.apply(teacherLp, studentLp).sum();
                    wholeValue[0] = value.getFloat();
                    gc.backward(value);
                });
                for (int chunk : new int[] {1, 3, ROWS.length}) {
                    double[] value = new double[1];
                    List<float[]> chunked = gradients(student, (m, gc) -> {
                        NDArray inputs = m.create(inputIds(), new Shape(B, T));
                        NDArray rows = m.create(ROWS);
                        boolean grad = Engines.gradMode(false);
                        NDList prepared = loss.prepare(inputs, rows);
                        Engines.gradMode(grad);
                        NDArray hidden = student.hidden(inputs, positions(), ones(), null).get(rows);  // [N, H]
                        value[0] = student.chunkedLoss(hidden, chunk, (s, e, logits) -> {
                            NDList part = new NDList();
                            for (NDArray a : prepared) {
                                NDArray p = a.get(new NDIndex("{}:{}", s, e));
                                p.attach(logits.getManager());
                                part.add(p);
                            }
                            return loss.perToken(logits, null, part).sum();
                        }, gc);
                    });
                    assertEquals(wholeValue[0], value[0], 1e-5, "beta " + d.beta() + ", chunk " + chunk);
                    for (int p = 0; p < whole.size(); p++) {
                        assertArrayEquals(whole.get(p), chunked.get(p), 1e-5f, "beta " + d.beta() + ", chunk " + chunk
                                + ", student " + studentSeed + ", gradient of parameter " + p);
                    }
                }
            }
          }
        }
    }

    @Test
    void theLossDoesNotDependOnTheLogitsChunk() {
        try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = CausalLm.randomInit(TINY, 2)) {
            TeacherDivergence loss = new TeacherDivergence(teacher, new GeneralizedJsd(0.5));
            double whole = new SupervisedTrainer(student, config(1), tmp.resolve("w"), 0, ProgressListener.silent(), loss)
                    .evaluate(data());
            assertTrue(whole > 1e-3, "a divergence that can differ: " + whole);
            for (int chunk : new int[] {1, 3}) {
                double chunked = new SupervisedTrainer(student, config(1).withLogitsChunk(chunk), tmp.resolve("c" + chunk), 0,
                        ProgressListener.silent(), loss).evaluate(data());
                assertEquals(whole, chunked, whole * 1e-4, "chunk " + chunk);
            }
        }
    }

    @Test
    void topKWithAllButOneTokenIsTheWholeDivergenceAndSmallKStillTeaches() {
        try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = CausalLm.randomInit(TINY, 2)) {
            for (GeneralizedJsd d : List.of(GeneralizedJsd.FORWARD_KL, new GeneralizedJsd(0.5), GeneralizedJsd.REVERSE_KL)) {
                double whole = new SupervisedTrainer(student, config(1), tmp.resolve("w"), 0, ProgressListener.silent(),
                        new TeacherDivergence(teacher, d)).evaluate(data());
                // k = V - 1: the tail is the one token left out, so the buckets are the vocabulary.
                double buckets = new SupervisedTrainer(student, config(1), tmp.resolve("k"), 0, ProgressListener.silent(),
                        new TeacherDivergence(teacher, d, 11, 3)).evaluate(data());
                assertEquals(whole, buckets, 1e-4, "beta " + d.beta());
            }
        }
        try (CausalLm teacher = CausalLm.randomInit(TINY, 1); CausalLm student = CausalLm.randomInit(TINY, 2)) {
            SupervisedTrainer trainer = new SupervisedTrainer(student, config(30), tmp.resolve("top3"), 0,
                    ProgressListener.silent(), new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL, 3, 5));
            SupervisedTrainer full = new SupervisedTrainer(student, config(1), tmp.resolve("full"), 0, ProgressListener.silent(),
                    new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL));
            double before = full.evaluate(data());
            trainer.train(data(), List.of());
            double after = full.evaluate(data());
            assertTrue(after < before * 0.6, "top-3 distillation lowers the whole forward KL: " + before + " -> " + after);
        }
    }

    @Test
    void aTopKOutsideTheVocabularyIsRefused() {
        try (CausalLm teacher = CausalLm.randomInit(TINY, 1)) {
            assertThrows(IllegalArgumentException.class, () -> new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL, 12, 8));
            assertThrows(IllegalArgumentException.class, () -> new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL, -1, 8));
            assertThrows(IllegalArgumentException.class, () -> new TeacherDivergence(teacher, GeneralizedJsd.FORWARD_KL, 4, 0));
        }
    }
}
