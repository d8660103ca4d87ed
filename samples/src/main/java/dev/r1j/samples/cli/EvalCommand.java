package dev.r1j.samples.cli;

import dev.r1j.rewards.tasks.Task;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rl.eval.EvalReport;
import dev.r1j.rl.eval.Estimators;
import dev.r1j.rl.eval.Evaluation;
import dev.r1j.rl.eval.Opening;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j eval}: pass@1, pass@k, maj@k, think-rate, check-rate and length of a model on a task, with 95% intervals. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Samples K completions for each of N problems and reports pass@1 (Wilson interval), pass@k "
                + "(unbiased estimator) and maj@k (bootstrap intervals over problems), think-rate (share of completions "
                + "with a well-formed <think> block), check-rate (share of completions whose well-formed "
                + "think block has a line starting with 'check ') and mean completion length.",
            "Problems: arith = 2x2-digit multiplications and expressions of 3-4 one-digit operands in turn (the task of "
                + "the builtin arith models), countdown = 4 numbers up to 50, or one generator by name (mul3x2, expr3-5:20, "
                + "countdown4:100), all generated from --seed; gsm8k = the bundled test split; math needs --problems."})
final class EvalCommand implements Callable<Integer> {

    /** The longest completion when {@code --max-new-tokens} is not given and the model's positions allow it. */
    static final int DEFAULT_MAX_NEW_TOKENS = 256;

    @Mixin
    ModelOption model;

    @Mixin
    ChatOptions chatOptions;

    @Mixin
    ProblemOptions problemSet = new ProblemOptions(100, 0);

    @Option(names = "--k", defaultValue = "4", description = "Completions per problem (default: ${DEFAULT-VALUE}).")
    int k;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--lenient", description = "Math tasks: accept answers without an explicit anchor (last number).")
    boolean lenient;

    @Option(names = "--opening", defaultValue = "FREE", description = "How completions begin: FREE (the model "
            + "chooses), THINK (forced <think>: accuracy with reasoning), DIRECT (forced <answer>: accuracy without "
            + "it), THINK_CHECK or THINK_SOLVE (forced <think> and the mode line 'solve and check' or 'solve': with or "
            + "without checked steps, for a model pre-trained with corpus.check_share > 0). Default: ${DEFAULT-VALUE}.")
    Opening opening;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (problemSet.n < 1 || k < 1) {
            throw new BadInputException("--n and --k must be >= 1, were " + problemSet.n + " and " + k);
        }
        Task task = problemSet.task;
        long seed = problemSet.seed;
        double temperature = sampling.temperature;
        List<Problem> set = problemSet.problems();
        Reward reward = task.correctness(lenient, Runtime.getRuntime().availableProcessors());
        PrintWriter err = spec.commandLine().getErr();
        EvalReport r;
        try (ModelOption.LoadedModel cp = model.open(); Generator gen = cp.generator()) {
            PromptTemplate template = chatOptions.choose(cp.template(), ChatOptions.modelDirOf(model.model));
            try {
                Evaluation.thinkStart(template, opening);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--opening " + opening + ": " + e.getMessage());
            }
            SamplingParams params;
            try {
                int length = sampling.maxNewTokens != null ? sampling.maxNewTokens : fittingLength(cp, template, set);
                params = SamplingParams.builder().temperature(temperature).seed(seed).maxNewTokens(length).build();
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
            r = Evaluation.run(gen, template, opening, set, reward, k, params, new ConsoleProgress(err, "eval: "));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode().put("task", task.id()).put("problems", r.problems()).put("k", r.k())
                    .put("seed", seed).put("temperature", temperature).put("opening", opening.name().toLowerCase(java.util.Locale.ROOT));
            put(o, "pass_at_1", r.passAt1(), r.passAt1Interval());
            put(o, "pass_at_k", r.passAtK(), r.passAtKInterval());
            put(o, "maj_at_k", r.majAtK(), r.majAtKInterval());
            put(o, "think_rate", r.thinkRate(), r.thinkRateInterval());
            put(o, "check_rate", r.checkRate(), r.checkRateInterval());
            put(o, "mean_length", r.meanLength(), r.meanLengthInterval());
            out.println(m.writeValueAsString(o));
        } else {
            out.printf("%s, %d problems x %d samples, temperature %s, seed %d%s%n", task, r.problems(), r.k(), temperature,
                    seed, opening == Opening.FREE ? "" : ", opening forced to " + opening.text().replace("\n", "\\n"));
            row(out, "pass@1", r.passAt1(), r.passAt1Interval());
            row(out, "pass@" + k, r.passAtK(), r.passAtKInterval());
            row(out, "maj@" + k, r.majAtK(), r.majAtKInterval());
            row(out, "think-rate", r.thinkRate(), r.thinkRateInterval());
            row(out, "check-rate", r.checkRate(), r.checkRateInterval());
            out.printf("%-12s %8.1f  [%.1f, %.1f] tokens%n", "length", r.meanLength(), r.meanLengthInterval().low(),
                    r.meanLengthInterval().high());
        }
        out.flush();
        return R1j.EXIT_OK;
    }

    private int fittingLength(ModelOption.LoadedModel cp, PromptTemplate template, List<Problem> set) {
        return fittingLength(cp.tokenizer(), cp.maxPositions(), template, set, opening);
    }

    /** {@link #DEFAULT_MAX_NEW_TOKENS} new tokens, or fewer when the model's positions run out after the longest prompt. */
    static int fittingLength(Tokenizer tokenizer, int maxPositions, PromptTemplate template, List<Problem> set,
                             Opening opening) {
        int longest = 0;
        for (Problem p : set) {
            longest = Math.max(longest, tokenizer.encode(template.render(p.prompt()) + opening.text()).length);
        }
        return Math.max(1, Math.min(DEFAULT_MAX_NEW_TOKENS, maxPositions - longest));
    }

    private static void put(ObjectNode o, String name, double value, Estimators.Interval ci) {
        o.put(name, value);
        o.putArray(name + "_ci95").add(ci.low()).add(ci.high());
    }

    private static void row(PrintWriter out, String name, double value, Estimators.Interval ci) {
        out.printf("%-12s %7.1f%%  [%.1f%%, %.1f%%]%n", name, 100 * value, 100 * ci.low(), 100 * ci.high());
    }
}
