package dev.r1j.rl.eval;

/**
 * The result of sampling {@code k} completions for each of {@code problems} problems.
 *
 * @param problems   problems evaluated
 * @param k          completions per problem
 * @param passAt1    mean correctness over all completions; interval: Wilson over completions
 * @param passAtK    mean over problems of the unbiased pass@k; interval: bootstrap over problems
 * @param majAtK     share of problems whose most frequent extracted answer is correct; bootstrap
 * @param thinkRate  share of completions with exactly one well-formed think block of the model's own writing
 *                   before the answer (one opened by the prompt counts; an empty one the prompt closed does not); Wilson
 * @param checkRate  share of completions that think (as for {@code thinkRate}) with at least one line of the think
 *                   block starting with {@code check }, as the self-checking solutions of the corpus write;
 *                   at most {@code thinkRate}; Wilson
 * @param meanLength mean completion length in tokens; bootstrap over completions
 */
public record EvalReport(int problems, int k, double passAt1, Estimators.Interval passAt1Interval, double passAtK,
                         Estimators.Interval passAtKInterval, double majAtK, Estimators.Interval majAtKInterval,
                         double thinkRate, Estimators.Interval thinkRateInterval, double checkRate,
                         Estimators.Interval checkRateInterval, double meanLength,
                         Estimators.Interval meanLengthInterval) {}
