package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.TaskKind;
import dev.r1j.rewards.code.CodeReward;
import dev.r1j.rewards.code.HumanEval;
import dev.r1j.rewards.code.SandboxUnavailableException;
import dev.r1j.rewards.data.Gsm8k;
import dev.r1j.rewards.data.JsonLines;
import dev.r1j.rewards.math.MathReward;
import dev.r1j.rewards.tasks.CountdownReward;
import dev.r1j.rewards.tasks.CountdownTask;
import dev.r1j.common.AtomicFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j grade}: verdicts for a JSONL file of model outputs. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Grades one JSON object a line and writes one verdict a line (correct, score, extracted, "
                + "reason), in input order, then a summary on stderr. Fields by task:",
            "  math:      {\"gold\": ..., \"pred\": <the model's whole output>}",
            "  gsm8k:     {\"answer\": <GSM8K solution ending in #### N>, \"pred\": ...}",
            "  countdown: {\"numbers\": [..] or \"a,b,c\", \"target\": N, \"pred\": ...}",
            "  code:      {\"prompt\", \"test\", \"entry_point\", \"completion\"} (HumanEval field names; runs in a sandbox)",
            "Every line is checked before any is graded; a malformed one stops with its file, line and field."})
final class GradeCommand implements Callable<Integer> {

    enum Task { math, gsm8k, countdown, code }

    @Option(names = "--task", required = true, description = "math, gsm8k, countdown or code.")
    Task task;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "Input JSONL (.gz accepted).")
    Path in;

    @Option(names = "--out", paramLabel = "FILE", description = "Output JSONL, written atomically (default: stdout).")
    Path out;

    @Option(names = "--workers", description = "Parallel graders (default: the number of processors).")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--strict", description = "math/gsm8k: demand an explicit answer (\\boxed{}, <answer>, ####, "
            + "'the answer is'); no last-number fallback.")
    boolean strict;

    @Option(names = "--allow-unsandboxed", description = "code: run without isolation when no sandbox works here "
            + "(resource limits only). Dangerous.")
    boolean allowUnsandboxed;

    @Spec
    CommandSpec spec;

    private record Item(long line, Problem problem, String completion) {}

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || workers > 64) {
            throw new BadInputException("--workers must be in [1, 64], was " + workers);
        }
        long start = System.nanoTime();
        List<Item> items = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(in)) {
            items.add(item(line));
        }
        List<RewardResult> results = grade(items);

        ObjectMapper json = new ObjectMapper();
        StringWriter text = new StringWriter();
        int correct = 0;
        int unextracted = 0;
        for (int i = 0; i < items.size(); i++) {
            RewardResult r = results.get(i);
            ObjectNode o = json.createObjectNode();
            o.put("line", items.get(i).line());
            o.put("correct", r.correct());
            o.put("score", r.score());
            o.put("extracted", r.extracted());
            o.put("reason", r.reason());
            text.write(json.writeValueAsString(o));
            text.write('\n');
            correct += r.correct() ? 1 : 0;
            unextracted += r.extracted().isEmpty() ? 1 : 0;
        }
        if (out != null) {
            AtomicFiles.writeString(out, text.toString());
        } else {
            PrintWriter o = spec.commandLine().getOut();
            o.print(text);
            o.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintWriter err = spec.commandLine().getErr();
        err.printf("graded %d: %d correct (%.1f%%), %d unextracted, in %.1f s%n", items.size(), correct,
                items.isEmpty() ? 0.0 : 100.0 * correct / items.size(), unextracted, seconds);
        err.flush();
        return R1j.EXIT_OK;
    }

    private Item item(JsonLines.Line line) {
        return switch (task) {
            case math -> new Item(line.number(), Problem.of("line-" + line.number(), "", line.text("gold"), TaskKind.MATH),
                    line.text("pred"));
            case gsm8k -> {
                String answer = Gsm8k.finalAnswer(line.text("answer"));
                if (answer.isEmpty()) {
                    throw line.error("answer", "has no '#### N' final answer");
                }
                yield new Item(line.number(), Problem.of("line-" + line.number(), "", answer, TaskKind.MATH), line.text("pred"));
            }
            case countdown -> {
                JsonNode numbers = line.json().get("numbers");
                String list;
                if (numbers != null && numbers.isArray()) {
                    List<String> parts = new ArrayList<>();
                    for (JsonNode n : numbers) {
                        if (!n.canConvertToLong()) {
                            throw line.error("numbers", "must hold integers, found " + n);
                        }
                        parts.add(n.asText());
                    }
                    list = String.join(",", parts);
                } else {
                    list = line.text("numbers");
                    if (!list.matches("\\s*\\d+(\\s*,\\s*\\d+)*\\s*")) {
                        throw line.error("numbers", "must be an array of integers or \"a,b,c\", was '" + list + "'");
                    }
                    list = list.replace(" ", "");
                }
                String target = line.text("target");
                if (!target.matches("-?\\d+")) {
                    throw line.error("target", "must be an integer, was '" + target + "'");
                }
                yield new Item(line.number(), new Problem("line-" + line.number(), "", target, TaskKind.COUNTDOWN,
                        Map.of(CountdownTask.NUMBERS, list)), line.text("pred"));
            }
            case code -> {
                String entry = line.text("entry_point");
                if (!entry.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw line.error("entry_point", "must be a Python identifier, was '" + entry + "'");
                }
                yield new Item(line.number(), new Problem("line-" + line.number(), line.text("prompt"), "", TaskKind.CODE,
                        Map.of(HumanEval.TEST, line.text("test"), HumanEval.ENTRY_POINT, entry)), line.text("completion"));
            }
        };
    }

    private List<RewardResult> grade(List<Item> items) throws Exception {
        if (task == Task.code) {
            CodeReward reward;
            try {
                reward = CodeReward.builder().workers(workers).allowUnsandboxed(allowUnsandboxed).build();
            } catch (SandboxUnavailableException e) {
                throw new BadInputException(e.getMessage() + " (or pass --allow-unsandboxed)");
            }
            return reward.scoreAll(items.stream().map(Item::problem).toList(), items.stream().map(Item::completion).toList());
        }
        Reward reward = switch (task) {
            case countdown -> new CountdownReward();
            default -> strict ? MathReward.strict() : MathReward.lenient();
        };
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<RewardResult>> futures = new ArrayList<>();
            for (Item it : items) {
                futures.add(pool.submit(() -> reward.score(it.problem(), it.completion())));
            }
            List<RewardResult> results = new ArrayList<>();
            for (Future<RewardResult> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
