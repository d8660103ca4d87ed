package dev.r1j.samples.examples;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.nio.file.Path;
import java.util.List;

/**
 * How do I sample from a model directory? Usage: {@code GenerateExample MODEL_DIR PROMPT}: four
 * completions of the prompt (with the model's prompt template), each with its finish reason, length
 * and log-probability.
 */
public final class GenerateExample {

    private GenerateExample() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: GenerateExample MODEL_DIR PROMPT");
            System.exit(2);
        }
        try (Checkpoint cp = Checkpoint.load(Path.of(args[0]));
             Generator gen = new DjlGenerator(cp.model(), cp.tokenizer())) {
            String prompt = cp.template().orElse(PromptTemplate.DEFAULT).render(args[1]);
            List<Completion> out = gen.generate(List.of(prompt), 4,
                    SamplingParams.builder().temperature(0.8).topP(0.95).maxNewTokens(64).seed(1).build());
            for (Completion c : out) {
                System.out.printf("[%s, %d tokens, log-prob %.2f] %s%n", c.finishReason(), c.length(),
                        c.totalLogProb(), c.text());
            }
        }
    }
}
