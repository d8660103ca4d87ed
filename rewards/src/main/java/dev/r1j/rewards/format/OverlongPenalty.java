package dev.r1j.rewards.format;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import java.util.function.ToIntFunction;

/**
 * DAPO's soft overlong punishment (Yu et al., 2025, eq. 13): no penalty up to
 * {@code maxLength - cacheLength}, then a penalty growing linearly to -1 at {@code maxLength}, and -1
 * beyond. Added to the correctness reward, it tells the policy that length near the limit costs
 * something before truncation makes the answer wrong.
 *
 * @param maxLength   L_max, the generation limit (> 0)
 * @param cacheLength L_cache, the width of the soft zone (0 <= L_cache < L_max)
 * @param length      how to measure a completion (tokens, when the caller has them; characters by default)
 */
public record OverlongPenalty(int maxLength, int cacheLength, ToIntFunction<String> length) implements Reward {

    public OverlongPenalty {
        if (maxLength <= 0 || cacheLength < 0 || cacheLength >= maxLength) {
            throw new IllegalArgumentException("need 0 <= cacheLength < maxLength, were " + cacheLength + " and " + maxLength);
        }
        if (length == null) {
            length = String::length;
        }
    }

    /** Measures length in characters. */
    public OverlongPenalty(int maxLength, int cacheLength) {
        this(maxLength, cacheLength, String::length);
    }

    /** The penalty for a completion of {@code n} length units. */
    public double penalty(int n) {
        int soft = maxLength - cacheLength;
        if (n <= soft) {
            return 0.0;
        }
        if (n > maxLength) {
            return -1.0;
        }
        return cacheLength == 0 ? 0.0 : (double) (soft - n) / cacheLength;
    }

    @Override
    public RewardResult score(Problem problem, String completion) {
        int n = length.applyAsInt(completion == null ? "" : completion);
        double p = penalty(n);
        return new RewardResult(p, p == 0.0, "", "length " + n + " of " + maxLength + (p == 0 ? "" : ", penalty " + p));
    }

    @Override
    public String name() {
        return "overlong";
    }
}
