package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {

    @Test
    void rollingMeanSkipsGapsAndShortensAtTheStart() {
        assertArrayEquals(new double[] {1, 1.5, 2.5, Double.NaN, 4}, PlotCommand.rollingMean(new double[] {1, 2, 3, Double.NaN, 4}, 2),
                1e-12);
    }

    @Test
    void plotsColumnsOfSeveralRuns(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a.jsonl");
        Files.writeString(a, "{\"step\":1,\"accuracy\":0.1}\n{\"step\":2,\"accuracy\":0.3}\n");
        Path png = tmp.resolve("acc.png");
        CliRun r = CliRun.of("plot", "--metrics", a + "=plain," + a + "=again", "--columns", "accuracy", "--smooth", "2",
                "--out", png.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.size(png) > 1000);
        CliRun bad = CliRun.of("plot", "--metrics", tmp.resolve("none.jsonl").toString(), "--columns", "x", "--out", png.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("none.jsonl"), bad.err());
    }
}
