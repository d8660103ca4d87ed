package dev.r1j.rl.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How rotary position embeddings are rescaled for contexts longer than pre-training: Hugging Face's
 * {@code rope_scaling} (or, in newer releases, {@code rope_parameters}) of {@code config.json}. Each
 * variant turns the default inverse frequencies {@code theta^(-2i/D)} into scaled ones and may scale
 * the cosine and sine tables by an attention factor; the formulas are those of the published methods
 * as Hugging Face transformers applies them.
 *
 * <p>{@link None} is the default rotary embedding. Types r1j does not implement ({@code dynamic},
 * {@code longrope}, ...) are refused when reading ({@code RopeScalingReader}), naming the field and the
 * supported types.
 */
public sealed interface RopeScaling permits RopeScaling.None, RopeScaling.Linear, RopeScaling.Llama3, RopeScaling.Yarn {

    /** The {@code rope_type} values r1j implements, as a message lists them. */
    String SUPPORTED = "default, linear, llama3, yarn";

    /** The {@code rope_type} this variant is written as. */
    String type();

    /**
     * The D/2 inverse frequencies of a head of size {@code headDim}: position p rotates pair i by
     * {@code p * result[i]}.
     *
     * @param maxPositionEmbeddings the model's {@code max_position_embeddings} (YaRN falls back to it)
     */
    double[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings);

    /** Factor by which the cosine and sine tables are multiplied (1 except for YaRN). */
    default double attentionFactor() {
        return 1.0;
    }

    /** The {@code rope_scaling} object this variant is written as, or null for {@link None}. */
    Map<String, Object> toJson();

    /** The unscaled inverse frequencies {@code theta^(-2i/D)}, i in [0, D/2). */
    static double[] defaultInverseFrequencies(int headDim, double theta) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        return f;
    }

    /** No scaling: the original rotary embedding. */
    record None() implements RopeScaling {
        @Override
        public String type() {
            return "default";
        }

        @Override
        public double[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings) {
            return defaultInverseFrequencies(headDim, theta);
        }

        @Override
        public Map<String, Object> toJson() {
            return null;
        }
    }

    /** The shared instance of {@link None}. */
    RopeScaling NONE = new None();

    /**
     * Position interpolation: every frequency divided by {@code factor}.
     *
     * @param factor {@code factor}, >= 1
     */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            requireAtLeastOne("factor", factor);
        }

        @Override
        public String type() {
            return "linear";
        }

        @Override
        public double[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings) {
            double[] f = defaultInverseFrequencies(headDim, theta);
            for (int i = 0; i < f.length; i++) {
                f[i] /= factor;
            }
            return f;
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rope_type", type());
            m.put("factor", factor);
            return m;
        }
    }

    /**
     * Llama 3.1's scaling: frequencies whose wavelength exceeds {@code original / low_freq_factor} are
     * divided by {@code factor}, those below {@code original / high_freq_factor} are kept, and those in
     * between are interpolated with weight {@code s = (original / wavelength - low) / (high - low)}:
     * {@code (1 - s) * f / factor + s * f}.
     *
     * @param factor                        {@code factor}, >= 1
     * @param lowFreqFactor                 {@code low_freq_factor}, > 0
     * @param highFreqFactor                {@code high_freq_factor}, > {@code low_freq_factor}
     * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings}: the pre-training context, > 0
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            requireAtLeastOne("factor", factor);
            requirePositive("low_freq_factor", lowFreqFactor);
            if (!(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling.high_freq_factor must be a finite number greater than "
                        + "low_freq_factor (" + lowFreqFactor + "), was " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be a positive "
                        + "integer, was " + originalMaxPositionEmbeddings);
            }
        }

        @Override
        public String type() {
            return "llama3";
        }

        @Override
        public double[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings) {
            double[] f = defaultInverseFrequencies(headDim, theta);
            double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;   // longer: fully scaled
            double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor; // shorter: untouched
            for (int i = 0; i < f.length; i++) {
                double wavelength = 2 * Math.PI / f[i];
                if (wavelength > lowFreqWavelength) {
                    f[i] = f[i] / factor;
                } else if (wavelength >= highFreqWavelength) {
                    double s = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    f[i] = (1 - s) * f[i] / factor + s * f[i];
                }
            }
            return f;
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rope_type", type());
            m.put("factor", factor);
            m.put("low_freq_factor", lowFreqFactor);
            m.put("high_freq_factor", highFreqFactor);
            m.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
            return m;
        }
    }

    /**
     * YaRN (Peng et al. 2023, "YaRN: Efficient Context Window Extension of Large Language Models"), as
     * transformers computes it: dimension i blends the interpolated frequency {@code f / factor} and the
     * original {@code f} with a linear ramp between the correction dimensions of {@code beta_fast} and
     * {@code beta_slow} rotations over the original context, and the tables are scaled by the attention
     * factor {@code 0.1 * mscale * ln(factor) + 1} (a ratio of two such terms when both {@code mscale}
     * and {@code mscale_all_dim} are given).
     *
     * <p>Absent optional fields are 0 here. For the betas and mscales that is transformers' own rule (it
     * tests them for truth, so 0 and absent agree): {@code beta_fast} then means 32, {@code beta_slow} 1.
     * An absent {@code original_max_position_embeddings} means the model's {@code max_position_embeddings},
     * and an absent {@code attention_factor} the derived value (a given 0 would zero every score, so it
     * is read as absent too). The explicit {@code factor} is used even where it differs from
     * {@code max_position_embeddings / original_max_position_embeddings}, as current transformers does (some
     * earlier releases replaced it by that ratio).
     *
     * @param factor                        {@code factor}, >= 1
     * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings}, or 0
     * @param betaFast                      {@code beta_fast}, or 0 (32)
     * @param betaSlow                      {@code beta_slow}, or 0 (1)
     * @param mscale                        {@code mscale}, or 0
     * @param mscaleAllDim                  {@code mscale_all_dim}, or 0
     * @param givenAttentionFactor          {@code attention_factor}, or 0 (derived from the factor and mscales)
     * @param truncate                      {@code truncate}: round the correction range outwards to whole
     *                                      dimensions; default true
     */
    record Yarn(double factor, int originalMaxPositionEmbeddings, double betaFast, double betaSlow, double mscale,
                double mscaleAllDim, double givenAttentionFactor, boolean truncate) implements RopeScaling {
        public Yarn {
            requireAtLeastOne("factor", factor);
            if (originalMaxPositionEmbeddings < 0) {
                throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be a positive "
                        + "integer, was " + originalMaxPositionEmbeddings);
            }
            requireNonNegative("beta_fast", betaFast);
            requireNonNegative("beta_slow", betaSlow);
            requireNonNegative("mscale", mscale);
            requireNonNegative("mscale_all_dim", mscaleAllDim);
            requireNonNegative("attention_factor", givenAttentionFactor);
        }

        /** A YaRN scaling with only a factor and the original context, the form Qwen's configs use. */
        public static Yarn of(double factor, int originalMaxPositionEmbeddings) {
            return new Yarn(factor, originalMaxPositionEmbeddings, 0, 0, 0, 0, 0, true);
        }

        @Override
        public String type() {
            return "yarn";
        }

        @Override
        public double attentionFactor() {
            if (givenAttentionFactor > 0) {
                return givenAttentionFactor;
            }
            if (mscale > 0 && mscaleAllDim > 0) {
                return magnitudeScale(factor, mscale) / magnitudeScale(factor, mscaleAllDim);
            }
            return magnitudeScale(factor, 1.0);
        }

        private static double magnitudeScale(double scale, double m) {
            return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
        }

        @Override
        public double[] inverseFrequencies(int headDim, double theta, int maxPositionEmbeddings) {
            double[] extrapolated = defaultInverseFrequencies(headDim, theta);
            int context = originalMaxPositionEmbeddings > 0 ? originalMaxPositionEmbeddings : maxPositionEmbeddings;
            double fast = betaFast > 0 ? betaFast : 32;
            double slow = betaSlow > 0 ? betaSlow : 1;
            // The dimension whose wavelength makes `rotations` turns over the original context.
            double low = correctionDimension(fast, headDim, theta, context);
            double high = correctionDimension(slow, headDim, theta, context);
            if (truncate) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, headDim - 1);
            if (low == high) {
                high += 0.001; // no division by zero when the range is empty
            }
            double[] f = new double[extrapolated.length];
            for (int i = 0; i < f.length; i++) {
                // ramp 0: keep the original frequency (fast rotations); ramp 1: interpolate (slow ones).
                double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
                f[i] = extrapolated[i] / factor * ramp + extrapolated[i] * (1 - ramp);
            }
            return f;
        }

        private static double correctionDimension(double rotations, int headDim, double theta, int context) {
            return headDim * Math.log(context / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rope_type", type());
            m.put("factor", factor);
            if (originalMaxPositionEmbeddings > 0) {
                m.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
            }
            putIfSet(m, "beta_fast", betaFast);
            putIfSet(m, "beta_slow", betaSlow);
            putIfSet(m, "mscale", mscale);
            putIfSet(m, "mscale_all_dim", mscaleAllDim);
            putIfSet(m, "attention_factor", givenAttentionFactor);
            if (!truncate) {
                m.put("truncate", false);
            }
            return m;
        }

        private static void putIfSet(Map<String, Object> m, String key, double v) {
            if (v > 0) {
                m.put(key, v);
            }
        }
    }

    private static void requireAtLeastOne(String name, double v) {
        if (!(v >= 1) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("rope_scaling." + name + " must be a finite number >= 1, was " + v);
        }
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("rope_scaling." + name + " must be a positive finite number, was " + v);
        }
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("rope_scaling." + name + " must be a finite number >= 0 (0: unset), was " + v);
        }
    }
}
