package dev.r1j.distill.logit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
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
}
