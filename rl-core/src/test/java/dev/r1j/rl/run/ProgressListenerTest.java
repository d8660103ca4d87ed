package dev.r1j.rl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressListenerTest {

    @Test
    void plainProgressLinesCarryTheFigures() {
        List<String> lines = new ArrayList<>();
        ProgressListener p = ProgressListener.lines(lines::add);
        p.started("train", 4, 10);
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("loss", 1.23456);
        f.put("lr", 0.0005);
        f.put("tok/s", 4321.7);
        f.put("kl", Double.NaN);
        p.step(5, f);
        assertEquals("train: steps 5..10", lines.get(0));
        assertEquals("step 5/10  loss 1.235  lr 5.00e-04  tok/s 4322  kl -", lines.get(1));
    }
}
