package dev.r1j.rl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinModelsTest {

    @TempDir
    Path tmp;

    @Test
    void theShippedModelsAreListed() {
        assertTrue(BuiltinModels.names().containsAll(List.of("arith-teacher-base", "arith-teacher-rl", "arith-student-base",
                        "arith-student-distilled")),
                BuiltinModels.names().toString());
    }

    @Test
    void eachShippedModelLoadsAndGenerates() {
        long teacher = 0;
        long student = 0;
        long distilled = 0;
        for (String name : BuiltinModels.names()) {
            Path dir = BuiltinModels.resolve(BuiltinModels.PREFIX + name);
            assertEquals(dir, BuiltinModels.resolve(BuiltinModels.PREFIX + name), "extracted once, then found in the cache");
            try (Checkpoint cp = Checkpoint.load(dir); DjlGenerator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
                PromptTemplate template = cp.template().orElseThrow(() -> new AssertionError(name + " has no prompt template"));
                List<Completion> out = gen.generate(List.of(template.render("12*34")), 2, SamplingParams.builder()
                        .maxNewTokens(48).seed(1).build());
                assertEquals(2, out.size());
                assertTrue(out.get(0).length() > 0, name);
                assertTrue(out.stream().anyMatch(c -> c.text().contains("<answer>")), name + " answers in tags: " + out);
                Provenance p = cp.provenance().orElseThrow();
                assertTrue(p.command().startsWith("r1j pretrain") || p.command().startsWith("r1j grpo")
                        || p.command().startsWith("r1j sft"), p.command());
                long params = cp.model().config().parameterCount();
                if (name.equals("arith-teacher-base")) {
                    teacher = params;
                } else if (name.equals("arith-student-base")) {
                    student = params;
                } else if (name.equals("arith-student-distilled")) {
                    distilled = params;
                    assertTrue(p.command().startsWith("r1j sft --model builtin:arith-student-base"), p.command());
                }
            }
        }
        assertTrue(teacher >= 2_000_000 && teacher <= 6_000_000, "a teacher of a few million parameters: " + teacher);
        double ratio = (double) teacher / student;
        assertTrue(ratio > 3 && ratio < 5, "the student is about 4x smaller: " + ratio);
        assertEquals(student, distilled, "the distilled student is the student base, fine-tuned");
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        BadInputException e = assertThrows(BadInputException.class, () -> BuiltinModels.resolve("builtin:gpt-5"));
        assertTrue(e.getMessage().contains("arith-teacher-base"), e.getMessage());
        assertFalse(BuiltinModels.isBuiltin("runs/model"));
        assertEquals(Path.of("runs/model"), BuiltinModels.resolve("runs/model"));
    }

    @Test
    void aDamagedCopyIsRefused() throws Exception {
        String name = BuiltinModels.names().get(0);
        Map<String, String> files = new LinkedHashMap<>(BuiltinModels.index().get(name));
        String first = files.keySet().iterator().next();
        files.put(first, "0".repeat(64));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BuiltinModels.extract(name, files, tmp));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains(first), e.getMessage());
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> Files.exists(p.resolve(".complete"))), "nothing half-extracted is left as complete");
        }
    }
}
