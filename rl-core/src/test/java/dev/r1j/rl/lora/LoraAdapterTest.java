package dev.r1j.rl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.optim.AdamW;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoraAdapterTest {

    private static final int[] IDS = {3, 17, 5, 8, 30, 2, 11, 4, 19, 7};

    @Test
    void configDefaultsAndEveryBrokenRule() {
        LoraConfig d = LoraConfig.builder().build();
        assertEquals(16, d.rank());
        assertEquals(32.0, d.alpha());
        assertEquals(0.0, d.dropout());
        assertEquals(EnumSet.allOf(LoraTarget.class), d.targetModules());
        assertEquals(2.0, d.scale());
        assertEquals(16.0, LoraConfig.builder().rank(8).build().alpha());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoraConfig.builder().rank(0).alpha(-1).dropout(1.5).targetModules(Set.of()).build());
        for (String field : List.of("rank", "alpha", "dropout", "target_modules")) {
            assertTrue(e.getMessage().contains(field), e.getMessage());
        }
        IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
                () -> LoraConfig.builder().dropout(0.05).build().checkTrainable());
        assertTrue(train.getMessage().contains("dropout"), train.getMessage());
        assertEquals(LoraTarget.GATE_PROJ, LoraTarget.fromPeftName("gate_proj").orElseThrow());
        assertTrue(LoraTarget.fromPeftName("lm_head").isEmpty());
    }

    @Test
    void freshAdapterLeavesLogitsExactlyUnchanged() {
        for (TransformerConfig c : List.of(LoraTestModels.qwen(), LoraTestModels.llama())) {
            try (CausalLm lm = LoraTestModels.model(c, LoraTestModels.randomHf(c, 1))) {
                float[][] base = lm.logits(IDS);
                LoraAdapter adapter = LoraAdapter.create(lm, LoraConfig.builder().rank(4).build(), null, 9);
                assertTrue(adapter.isZero());
                assertArrayEquals(base, lm.logits(IDS));
                // A is drawn Kaiming-uniform as PEFT does: within +-1/sqrt(in), not all zero.
                float[] a = adapter.peftTensors().get(LoraAdapter.name(0, LoraTarget.DOWN_PROJ, "lora_A"));
                double bound = 1 / Math.sqrt(c.intermediateSize());
                double max = 0;
                for (float v : a) {
                    max = Math.max(max, Math.abs(v));
                }
                assertTrue(max > 0.5 * bound && max <= bound, "max |A| " + max + " vs bound " + bound);
            }
        }
    }

    @Test
    void adaptedLogitsEqualHandMergedWeights() {
        for (TransformerConfig c : List.of(LoraTestModels.qwen(), LoraTestModels.llama())) {
            for (LoraConfig config : List.of(LoraConfig.builder().rank(4).alpha(6).build(),
                    LoraConfig.builder().rank(3).targetModules(List.of(LoraTarget.K_PROJ, LoraTarget.UP_PROJ,
                            LoraTarget.O_PROJ)).build())) {
                Map<String, float[]> hf = LoraTestModels.randomHf(c, 2);
                Map<String, float[]> peft = LoraTestModels.randomPeft(config, c, 5);
                try (CausalLm lm = LoraTestModels.model(c, hf);
                     CausalLm merged = LoraTestModels.model(c, LoraTestModels.handMerged(c, hf, config, peft))) {
                    LoraAdapter.fromPeft(lm, config, null, LoraTestModels.peftWeights(config, c, peft), null);
                    float[][] adapted = lm.logits(IDS);
                    double diff = LoraTestModels.maxDiff(adapted, merged.logits(IDS));
                    assertTrue(diff < 1e-5, c.family() + " " + config.targetModules() + ": max diff " + diff);
                    // The switch: the same model with adapters off is the base, no copy made.
                    try (CausalLm base = lm.withAdapter(null); CausalLm plain = LoraTestModels.model(c, hf)) {
                        assertArrayEquals(plain.logits(IDS), base.logits(IDS));
                    }
                    assertArrayEquals(adapted, lm.logits(IDS), "closing a view leaves the model intact");
                    // Merging in place gives the same model without the adapter.
                    lm.mergeAdapter();
                    assertTrue(lm.adapter().isEmpty());
                    assertTrue(LoraTestModels.maxDiff(adapted, lm.logits(IDS)) < 1e-5);
                    Map<String, float[]> expect = LoraTestModels.handMerged(c, hf, config, peft);
                    Map<String, float[]> got = lm.hfTensors();
                    for (Map.Entry<String, float[]> e : expect.entrySet()) {
                        float[] g = got.get(e.getKey());
                        for (int i = 0; i < g.length; i++) {
                            assertEquals(e.getValue()[i], g[i], 1e-6, e.getKey());
                        }
                    }
                }
            }
        }
    }

    @Test
    void frozenReferenceIsTheBaseForAFreshAdapterAndACopyOtherwise() {
        TransformerConfig c = LoraTestModels.qwen();
        LoraConfig config = LoraConfig.builder().rank(2).build();
        try (CausalLm lm = LoraTestModels.model(c, LoraTestModels.randomHf(c, 3))) {
            float[][] base = lm.logits(IDS);
            LoraAdapter adapter = LoraAdapter.create(lm, config, null, 1);
            try (CausalLm ref = lm.frozenReference()) {
                assertTrue(ref.adapter().isEmpty(), "a fresh adapter's reference is the base with adapters off");
                assertSame(lm.manager(), ref.manager());
            }
            adapter.load(LoraTestModels.peftWeights(config, c, LoraTestModels.randomPeft(config, c, 4)), null);
            float[][] started = lm.logits(IDS);
            try (CausalLm ref = lm.frozenReference()) {
                assertNotSame(adapter, ref.adapter().orElseThrow());
                adapter.load(LoraTestModels.peftWeights(config, c, LoraTestModels.randomPeft(config, c, 8)), null);
                assertArrayEquals(started, ref.logits(IDS), "the reference keeps the adapter it started from");
                assertFalse(LoraTestModels.maxDiff(started, lm.logits(IDS)) < 1e-6);
            }
            try (CausalLm off = lm.withAdapter(null)) {
                assertArrayEquals(base, off.logits(IDS));
            }
        }
    }

    @Test
    void onlyAdapterTensorsGetGradientsAndAdamWLowersTheLoss() {
        TransformerConfig c = LoraTestModels.llama();
        try (CausalLm lm = LoraTestModels.model(c, LoraTestModels.randomHf(c, 6))) {
            LoraAdapter adapter = LoraAdapter.create(lm, LoraConfig.builder().rank(4).build(), null, 2);
            List<NDArray> trainable = lm.trainableParameters();
            assertEquals(adapter.parameters(), trainable);
            assertEquals(2 * 4 * c.numHiddenLayers(), trainable.size(), "A and B per fused projection and layer");
            trainable.forEach(p -> p.setRequiresGradient(true));
            double first = Double.NaN;
            double last = Double.NaN;
            try (AdamW opt = new AdamW(trainable, new AdamW.Settings(0.9, 0.999, 1e-8, 0))) {
                for (int step = 0; step < 12; step++) {
                    double loss = lossAndBackward(lm);
                    if (step == 0) {
                        for (NDArray p : lm.parameters()) {
                            assertFalse(p.hasGradient(), "a base weight got a gradient");
                        }
                        // With B = 0 only B's gradient is non-zero (A's is scaled by B).
                        boolean bMoved = false;
                        for (int i = 1; i < trainable.size(); i += 2) {
                            bMoved |= trainable.get(i).getGradient().abs().sum().getFloat() > 0;
                        }
                        assertTrue(bMoved);
                        first = loss;
                    }
                    last = loss;
                    try (NDManager scratch = lm.manager().newSubManager()) {
                        List<NDArray> grads = trainable.stream().map(p -> {
                            NDArray g = p.getGradient();
                            g.attach(scratch);
                            return g;
                        }).toList();
                        opt.update(trainable, grads, 0.02);
                    }
                    Engines.zeroGradients(trainable);
                }
            } finally {
                trainable.forEach(p -> p.setRequiresGradient(false));
            }
            assertTrue(last < first - 0.1, "loss " + first + " -> " + last);
            assertFalse(adapter.isZero());
        }
    }

    @Test
    void mismatchedAdapterTensorsAreRefusedNamingTheTensor() {
        TransformerConfig c = LoraTestModels.qwen();
        LoraConfig config = LoraConfig.builder().rank(2).build();
        Map<String, float[]> peft = LoraTestModels.randomPeft(config, c, 1);
        try (CausalLm lm = LoraTestModels.model(c, LoraTestModels.randomHf(c, 1))) {
            // The same adapter against a base with a wider hidden size.
            TransformerConfig wider = TransformerConfig.builder().family(c.family()).vocabSize(41).hiddenSize(40)
                    .intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).build();
            try (CausalLm other = LoraTestModels.model(wider, LoraTestModels.randomHf(wider, 1))) {
                BadInputException e = assertThrows(BadInputException.class, () -> LoraAdapter.fromPeft(other, config, null,
                        LoraTestModels.peftWeights(config, c, peft), java.nio.file.Path.of("adapter_model.safetensors")));
                assertTrue(e.getMessage().contains("adapter_model.safetensors")
                        && e.getMessage().contains("q_proj.lora_A.weight"), e.getMessage());
                assertTrue(other.adapter().isEmpty());
            }
            peft.remove(LoraAdapter.name(1, LoraTarget.V_PROJ, "lora_B"));
            BadInputException missing = assertThrows(BadInputException.class, () -> LoraAdapter.fromPeft(lm, config, null,
                    new dev.r1j.rl.model.internal.DecoderWeights.MapWeights(peft, LoraAdapter.peftShapes(config, c)), null));
            assertTrue(missing.getMessage().contains("layers.1.self_attn.v_proj.lora_B"), missing.getMessage());
        }
    }

    /** Next-token cross-entropy of one fixed sequence, summed; gradients accumulated. */
    private static double lossAndBackward(CausalLm lm) {
        int t = IDS.length - 1;
        long[] in = new long[t];
        long[] out = new long[t];
        long[] pos = new long[t];
        float[] keep = new float[t];
        for (int i = 0; i < t; i++) {
            in[i] = IDS[i];
            out[i] = IDS[i + 1];
            pos[i] = i;
            keep[i] = 1;
        }
        boolean was = Engines.gradMode(true);
        try (NDManager m = lm.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = lm.forward(m.create(in, new Shape(1, t)), pos, keep, null);
            NDArray loss = CausalLm.tokenLogProbs(logits, m.create(out, new Shape(1, t))).sum().neg();
            gc.backward(loss);
            return loss.getFloat();
        } finally {
            Engines.gradMode(was);
        }
    }

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
