package dev.r1j.samples.cli;

import picocli.CommandLine.Option;

/**
 * {@code --temperature} and {@code --max-new-tokens}: how generate, eval and traces sample a completion.
 * {@code --max-new-tokens} stays null when not given, because eval's default depends on the model and
 * the problems ({@link EvalCommand#fittingLength}); the other two take {@link #DEFAULT_MAX_NEW_TOKENS}.
 */
final class SamplingOptions {

    /** The longest completion generate and traces sample when {@code --max-new-tokens} is not given. */
    static final int DEFAULT_MAX_NEW_TOKENS = 128;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-new-tokens", description = "Longest completion (default: generate and traces "
            + DEFAULT_MAX_NEW_TOKENS + "; eval " + EvalCommand.DEFAULT_MAX_NEW_TOKENS + ", or what the model's "
            + "max_position_embeddings leaves after the longest prompt, if less).")
    Integer maxNewTokens;

    /** {@code --max-new-tokens}, or {@link #DEFAULT_MAX_NEW_TOKENS} when it was not given. */
    int maxNewTokens() {
        return maxNewTokens != null ? maxNewTokens : DEFAULT_MAX_NEW_TOKENS;
    }
}
