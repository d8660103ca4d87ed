package dev.r1j.rl.lora;

import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.model.internal.DecoderWeights;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small random models and adapters for the LoRA tests. */
final class LoraTestModels {

    private LoraTestModels() {}

    /** Qwen2 with grouped-query attention (q/k/v biases), untied head. */
    static TransformerConfig qwen() {
        return TransformerConfig.builder().family(ModelFamily.QWEN2).vocabSize(41).hiddenSize(32).intermediateSize(48)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(false).build();
    }

    /** Llama with every bias, multi-head attention, tied head. */
    static TransformerConfig llama() {
        return TransformerConfig.builder().family(ModelFamily.LLAMA).vocabSize(37).hiddenSize(24).intermediateSize(40)
                .numHiddenLayers(2).numAttentionHeads(2).attentionBias(true).mlpBias(true).tieWordEmbeddings(true).build();
    }

    /** Hugging Face tensors with non-trivial values everywhere (biases and gains included). */
    static Map<String, float[]> randomHf(TransformerConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        DecoderWeights.hfShapes(c).forEach((name, shape) -> {
            float[] v = new float[(int) numel(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = name.endsWith("norm.weight") ? (float) (1 + 0.2 * r.nextGaussian()) : (float) (0.15 * r.nextGaussian());
            }
            values.put(name, v);
        });
        return values;
    }

    static CausalLm model(TransformerConfig c, Map<String, float[]> hf) {
        return CausalLm.fromWeights(c, new DecoderWeights.MapWeights(hf, DecoderWeights.hfShapes(c)), "test");
    }

    /** PEFT-named random adapter tensors (B non-zero) for {@code config} on {@code c}. */
    static Map<String, float[]> randomPeft(LoraConfig config, TransformerConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        LoraAdapter.peftShapes(config, c).forEach((name, shape) -> {
            float[] v = new float[(int) numel(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.1 * r.nextGaussian());
            }
            values.put(name, v);
        });
        return values;
    }

    static DecoderWeights.MapWeights peftWeights(LoraConfig config, TransformerConfig c, Map<String, float[]> values) {
        return new DecoderWeights.MapWeights(values, LoraAdapter.peftShapes(config, c));
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static double maxDiff(float[][] a, float[][] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return d;
    }

    /**
     * The hand-merged weights: for every adapted projection W [out, in] of {@code hf}, W + scale B A
     * computed in doubles from the PEFT tensors, independently of the engine.
     */
    static Map<String, float[]> handMerged(TransformerConfig c, Map<String, float[]> hf, LoraConfig config,
                                           Map<String, float[]> peft) {
        Map<String, float[]> merged = new LinkedHashMap<>(hf);
        int r = config.rank();
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            for (LoraTarget t : config.targetModules()) {
                String w = "model.layers." + layer + "." + t.module() + "." + t.peftName() + ".weight";
                int in = t.inFeatures(c);
                int out = t.outFeatures(c);
                float[] a = peft.get(LoraAdapter.name(layer, t, "lora_A")); // [r, in]
                float[] b = peft.get(LoraAdapter.name(layer, t, "lora_B")); // [out, r]
                float[] base = hf.get(w);
                float[] sum = new float[base.length];
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double ba = 0;
                        for (int k = 0; k < r; k++) {
                            ba += (double) b[o * r + k] * a[k * in + i];
                        }
                        sum[o * in + i] = (float) (base[o * in + i] + config.scale() * ba);
                    }
                }
                merged.put(w, sum);
            }
        }
        return merged;
    }
}
