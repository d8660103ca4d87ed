package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.grpo.RolloutEngine;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j generate}: sample continuations of a prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Samples continuations of a prompt. The model's prompt template (prompt_template.json) "
                + "is applied unless --raw is given; --chat puts the prompt through the model's chat template as the user's message."})
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Mixin
    ChatOptions chatOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--n", defaultValue = "1", description = "Completions to sample (default: ${DEFAULT-VALUE}).")
    int n;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling threshold (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 is off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the text contains this (repeatable).")
    List<String> stop;

    @Option(names = "--raw", description = "Do not apply the model's prompt template.")
    boolean raw;

    @Option(names = "--engine", paramLabel = "ENGINE",
            description = "DJL or ONNX_RUNTIME (default: DJL for a checkpoint, ONNX_RUNTIME for an .onnx model). With a "
                    + "checkpoint, ONNX_RUNTIME decodes from an in-memory ONNX Runtime graph of its weights, pre-packed for "
                    + "its kernels and sampling inside the graph: faster on CPUs (docs/results.md), for about twice the "
                    + "model's float32 size in extra memory.")
    RolloutEngine engine;

    @Option(names = "--json", description = "One JSON object per completion: text, token ids, log-probs, finish reason.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (n < 1) {
            throw new BadInputException("--n must be >= 1, was " + n);
        }
        SamplingParams params;
        try {
            params = SamplingParams.builder().maxNewTokens(sampling.maxNewTokens()).temperature(sampling.temperature).topP(topP).topK(topK)
                    .seed(seed).stopStrings(stop).build();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        if (prompt.isEmpty()) {
            throw new BadInputException("--prompt is empty");
        }
        try (ModelOption.LoadedModel cp = model.open()) {
            if (raw && (chatOptions.chat || chatOptions.system != null)) {
                throw new BadInputException("--raw sends the prompt as is; it cannot be combined with --chat or --system");
            }
            String text = prompt;
            if (!raw) {
                PromptTemplate template = chatOptions.choose(cp.template(), ChatOptions.modelDirOf(model.model));
                // A model without a prompt template gets the prompt as typed, unless --chat asks for its chat template.
                text = cp.template().isEmpty() && !template.isChat() ? prompt : template.render(prompt);
            }
            List<Completion> completions;
            try (Generator gen = engine == null ? cp.generator() : cp.generator(engine)) {
                completions = gen.generate(List.of(text), n, params);
            }
            PrintWriter out = spec.commandLine().getOut();
            ObjectMapper mapper = new ObjectMapper();
            for (int i = 0; i < completions.size(); i++) {
                Completion c = completions.get(i);
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("index", i);
                    o.put("text", c.text());
                    o.put("token_ids", c.tokenIds());
                    o.put("logprobs", c.logProbs());
                    o.put("finish_reason", c.finishReason().name().toLowerCase(java.util.Locale.ROOT));
                    out.println(mapper.writeValueAsString(o));
                } else {
                    if (completions.size() > 1) {
                        out.printf("--- completion %d (%d tokens, %s)%n", i + 1, c.length(),
                                c.finishReason().name().toLowerCase(java.util.Locale.ROOT));
                    }
                    out.println(c.text());
                }
            }
            out.flush();
        }
        return R1j.EXIT_OK;
    }
}
