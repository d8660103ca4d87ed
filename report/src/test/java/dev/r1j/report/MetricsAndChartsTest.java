package dev.r1j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsAndChartsTest {

    @TempDir
    Path tmp;

    @Test
    void metricsReadBackAsColumnsWithGapsAsNaN() throws Exception {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, "{\"step\":1,\"loss\":2.5}\n\n{\"step\":2,\"loss\":2.0,\"eval_loss\":2.1}\n");
        MetricsTable m = MetricsTable.read(f);
        assertEquals(2, m.size());
        assertArrayEquals(new double[] {1, 2}, m.column("step"));
        assertTrue(Double.isNaN(m.column("eval_loss")[0]));
        assertEquals(2.1, m.column("eval_loss")[1]);
        Files.writeString(f, "{\"step\":1}\n[1,2]\n");
        BadInputException e = assertThrows(BadInputException.class, () -> MetricsTable.read(f));
        assertTrue(e.getMessage().contains("metrics.jsonl") && e.getMessage().contains(":2"), e.getMessage());
    }

    @Test
    void chartsRenderToPng() throws Exception {
        LineChart c = new LineChart("loss", "step", "nats").with("train", new double[] {1, 2, 3}, new double[] {3, 2, Double.NaN});
        assertEquals(2, c.series().get("train").size(), "NaN points are left out");
        Path png = tmp.resolve("c.png");
        c.writePng(png, 320, 200);
        byte[] b = Files.readAllBytes(png);
        assertEquals((byte) 0x89, b[0]);
        assertEquals("PNG", new String(b, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        assertThrows(IllegalArgumentException.class, () -> c.with("bad", new double[] {1}, new double[] {1, 2}));
    }
}
