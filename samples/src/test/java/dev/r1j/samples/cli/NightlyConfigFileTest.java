package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.distill.nightly.NightlyConfig;
import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nightly config's {@code sft} section reads the memory settings as {@code r1j sft}'s training section does. */
class NightlyConfigFileTest {

    @TempDir
    Path tmp;

    private static final String MODELS = "teacher: builtin:arith-teacher-rl\nstudent_base: builtin:arith-student-base\n";

    @Test
    void sftReadsLogitsChunkAndGradientCheckpointing() throws Exception {
        Path file = tmp.resolve("night.yaml");
        Files.writeString(file, MODELS + "sft:\n  steps: 4\n  warmup_steps: 1\n  logits_chunk: 7\n  gradient_checkpointing: true\n");
        NightlyConfig c = NightlyConfigFile.read(file);
        assertEquals(7, c.sft().logitsChunk());
        assertTrue(c.sft().gradientCheckpointing());
        assertEquals(4, c.sft().steps());

        Files.writeString(file, MODELS + "sft:\n  steps: 4\n  warmup_steps: 1\n");
        NightlyConfig defaults = NightlyConfigFile.read(file);
        assertEquals(NightlyConfig.defaultSft().logitsChunk(), defaults.sft().logitsChunk());
        assertFalse(defaults.sft().gradientCheckpointing());
        // Memory settings only: the configuration a night records (and hashes) does not change with them.
        assertEquals(defaults.toJson(), c.toJson());
    }

    @Test
    void aBadLogitsChunkNamesTheFileLineAndField() throws Exception {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, MODELS + "sft:\n  logits_chunk: 0\n");
        BadInputException e = assertThrows(BadInputException.class, () -> NightlyConfigFile.read(file));
        assertTrue(e.getMessage().contains("bad.yaml:4") && e.getMessage().contains("sft.logits_chunk")
                && e.getMessage().contains(">= 1"), e.getMessage());
    }
}
