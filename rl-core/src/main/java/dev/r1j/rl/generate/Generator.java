package dev.r1j.rl.generate;

import java.util.List;

/**
 * Produces continuations of prompts. Implemented on the DJL engine ({@link DjlGenerator}) and, for
 * exported models, on ONNX Runtime; trainers and trace generation accept either.
 *
 * <p>Prompts are complete texts: apply a {@code PromptTemplate} first where the model expects one.
 */
public interface Generator extends AutoCloseable {

    /** One completion per prompt, in prompt order. */
    default List<Completion> generate(List<String> prompts, SamplingParams params) {
        return generate(prompts, 1, params);
    }

    /**
     * {@code n} completions per prompt: those of prompt i are at indices [i*n, (i+1)*n) and carry
     * {@code promptIndex} i. Each (prompt, sample) pair has its own random stream, so results do not
     * depend on how the work is batched.
     */
    List<Completion> generate(List<String> prompts, int n, SamplingParams params);

    /**
     * Tells the generator that the model it samples from has new weights (a trainer calls it before
     * each step's sampling). A generator that reads the model's own arrays ({@link DjlGenerator}) has
     * nothing to do; one that holds a copy of the weights in another engine refreshes that copy here.
     */
    default void weightsChanged() {}

    /** Releases what the generator holds (not the model it was given). */
    @Override
    default void close() {}
}
