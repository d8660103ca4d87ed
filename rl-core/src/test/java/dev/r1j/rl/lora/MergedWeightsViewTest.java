package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.HostWeights;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CausalLm.mergedHfWeights()}: with an adapter attached, every tensor reads as the merged
 * model's (what {@code mergeAdapter} would store), without changing the model; without one, as
 * {@code hfWeights()}.
 */
class MergedWeightsViewTest {

    @TempDir
    Path tmp;

    @Test
    void theViewIsTheMergedModelAndLeavesTheModelAsItWas() {
        for (TransformerConfig c : new TransformerConfig[] {LoraTestModels.qwen(), LoraTestModels.llama()}) {
            LoraConfig lc = LoraConfig.builder().rank(2).alpha(6).build();
            Map<String, float[]> hf = LoraTestModels.randomHf(c, 3);
            Map<String, float[]> peft = LoraTestModels.randomPeft(lc, c, 4);
            Map<String, float[]> viewed = new LinkedHashMap<>();
            Map<String, float[]> base = new LinkedHashMap<>();
            try (CausalLm model = LoraTestModels.model(c, hf)) {
                LoraAdapter.fromPeft(model, lc, LoraBase.of(tmp.resolve("base")), LoraTestModels.peftWeights(lc, c, peft), null);
                HostWeights view = model.mergedHfWeights();
                int arrays = model.manager().getManagedArrays().size();
                for (String name : view.names()) {
                    viewed.put(name, view.read(name));
                    base.put(name, model.hfWeights().read(name));
                }
                assertEquals(arrays, model.manager().getManagedArrays().size(), "the merged reads leave no arrays behind");
                assertTrue(LoraAdapter.of(model).isPresent(), "the adapter stays attached");
                model.mergeAdapter();
                int changed = 0;
                for (String name : viewed.keySet()) {
                    float[] merged = model.hfWeights().read(name);
                    assertArrayEquals(merged, viewed.get(name), 1e-6f, name);
                    changed += java.util.Arrays.equals(merged, base.get(name)) ? 0 : 1;
                }
                // q, k, v, o, gate, up, down of every layer
                assertEquals(7 * c.numHiddenLayers(), changed, "every targeted projection differs from its base");
            }
            try (CausalLm plain = LoraTestModels.model(c, hf)) {
                for (String name : plain.hfWeights().names()) {
                    assertArrayEquals(plain.hfWeights().read(name), plain.mergedHfWeights().read(name), 0f, name);
                }
            }
        }
    }
}
