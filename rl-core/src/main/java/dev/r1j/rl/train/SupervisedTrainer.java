package dev.r1j.rl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.WriteOptions;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.optim.AdamW;
import dev.r1j.rl.optim.GradientClipping;
import dev.r1j.rl.optim.LearningRateSchedule;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.run.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Next-token training with a loss mask: pre-training on a corpus, and supervised fine-tuning on
 * traces with the prompt excluded from the loss. Examples are packed into rows
 * ({@link SequencePacker}); each optimiser step accumulates gradients over micro-batches, clips them by
 * global norm and applies AdamW with warm-up and cosine decay.
 *
 * <p>The run directory holds {@code metrics.jsonl} (one object per logged step) and
 * {@code checkpoints/step-N/} (weights under Hugging Face names, AdamW moments, the step and data
 * position), each written atomically. A trainer started on a directory with checkpoints resumes from
 * the latest exactly: the data order is a pure function of the seed and the epoch, so the position is
 * all the random state there is.
 */
public final class SupervisedTrainer {

    /** What a run ended with. */
    public record Result(long steps, double lastLoss, double evalLoss, long tokens) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CausalLm model;
    private final SupervisedConfig config;
    private final Path runDir;
    private final int padId;
    private final ProgressListener progress;
    private final TokenLoss tokenLoss;
    private final long parameterCount;
    private CostLedger ledger = new CostLedger();
    private double preparedSeconds;

    /** The cost ledger's file name, in the run directory and in every checkpoint (so a resume continues it). */
    public static final String LEDGER = "ledger.json";

    /**
     * @param padId    token used to pad the last packed row (masked out of the loss)
     * @param progress told of every step (loss, learning rate, tokens/s) and of resumes and evaluations
     */
    public SupervisedTrainer(CausalLm model, SupervisedConfig config, Path runDir, int padId, ProgressListener progress) {
        this(model, config, runDir, padId, progress, TokenLoss.CROSS_ENTROPY);
    }

    /** A trainer minimising {@code loss} instead of cross-entropy (logit distillation). */
    public SupervisedTrainer(CausalLm model, SupervisedConfig config, Path runDir, int padId, ProgressListener progress,
                             TokenLoss loss) {
        this.tokenLoss = loss;
        this.model = model;
        this.config = config;
        this.runDir = runDir;
        this.padId = padId;
        this.progress = progress;
        this.parameterCount = model.config().parameterCount();
    }

    /** Trains for {@code config.steps()} steps in total, resuming from the latest checkpoint in the run directory. */
    public Result train(List<TrainingExample> train, List<TrainingExample> eval) {
        List<SequencePacker.Row> rows = SequencePacker.pack(train, config.sequenceLength(), padId);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no training rows: the examples hold fewer than two tokens in all");
        }
        return train(RowSource.shuffled(rows, config.seed()), eval);
    }

    /**
     * Trains for {@code config.steps()} steps in total on the rows {@code source} serves, resuming from
     * the latest checkpoint in the run directory; {@code eval} (may be empty) gives the eval loss.
     */
    public Result train(RowSource source, List<TrainingExample> eval) {
        List<SequencePacker.Row> evalRows = eval == null || eval.isEmpty() ? List.of()
                : SequencePacker.pack(eval, config.sequenceLength(), padId);
        LearningRateSchedule schedule = new LearningRateSchedule(config.learningRate(), config.minLearningRate(),
                config.warmupSteps(), config.steps());
        List<NDArray> params = model.trainableParameters();
        params.forEach(p -> p.setRequiresGradient(true));
        try (AdamW optimizer = new AdamW(params, new AdamW.Settings(0.9, 0.95, 1e-8, config.weightDecay()))) {
            long step = 0;
            long cursor = 0;
            long tokens = 0;
            ledger = new CostLedger();
            Optional<Path> latest = RunDirectory.latestCheckpoint(runDir);
            if (latest.isPresent()) {
                JsonNode state = RunDirectory.trainerState(latest.get());
                if (LoraAdapter.of(model).isPresent()) {
                    LoraDirectory.loadWeights(LoraAdapter.of(model).get(), latest.get());
                } else {
                    try (ModelWeightsFiles w = ModelWeightsFiles.open(latest.get())) {
                        model.loadWeights(w, latest.get());
                    }
                }
                optimizer.load(latest.get().resolve("optimizer.safetensors"));
                step = state.get("step").asLong();
                cursor = state.get("cursor").asLong();
                tokens = state.path("tokens").asLong(0);
                ledger = CostLedger.read(latest.get().resolve(LEDGER));
                RunDirectory.truncateAfter(runDir.resolve("metrics.jsonl"), step);
                progress.note("resuming from " + latest.get() + " at step " + step);
            }
            progress.started("train", step, config.steps());
            double lastLoss = Double.NaN;
            double evalLoss = Double.NaN;
            long windowStart = System.nanoTime();
            long windowTokens = 0;
            while (step < config.steps()) {
                long stepStart = System.nanoTime();
                int micro = config.batchSize();
                int stepRows = config.gradientAccumulation() * micro;
                RowSource.Batch fetched = source.rows(cursor, stepRows, config.sequenceLength());
                if (fetched.rows().size() != stepRows) {
                    throw new IllegalStateException("the row source gave " + fetched.rows().size() + " rows, "
                            + stepRows + " were asked for");
                }
                cursor += stepRows;
                double fetchSeconds = (System.nanoTime() - stepStart) / 1e9;
                if (fetched.generatedTokens() > 0) {
                    ledger.add("generation", fetchSeconds, fetched.generatedTokens(), 2.0 * parameterCount * fetched.generatedTokens());
                }
                List<List<SequencePacker.Row>> microBatches = new ArrayList<>();
                int stepTargets = 0;
                for (int a = 0; a < config.gradientAccumulation(); a++) {
                    List<SequencePacker.Row> batch = fetched.rows().subList(a * micro, (a + 1) * micro);
                    for (SequencePacker.Row row : batch) {
                        stepTargets += row.targets();
                    }
                    microBatches.add(batch);
                }
                long trainStart = System.nanoTime();
                preparedSeconds = 0;
                double lr = schedule.at(step);
                double lossSum = 0;
                Engines.gradMode(true);
                for (List<SequencePacker.Row> batch : microBatches) {
                    lossSum += backward(batch, Math.max(1, stepTargets));
                }
                Engines.gradMode(false);
                double loss = lossSum / Math.max(1, stepTargets);
                double gradNorm;
                try (NDManager scratch = model.manager().newSubManager()) {
                    List<NDArray> grads = new ArrayList<>(params.size());
                    for (NDArray p : params) {
                        NDArray g = p.getGradient();
                        g.attach(scratch); // a handle on the parameter's gradient, closed after the step
                        grads.add(g);
                    }
                    gradNorm = GradientClipping.clipByGlobalNorm(grads, config.clipNorm());
                    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
                        throw new IllegalStateException(String.format("non-finite loss (%s) or gradient norm (%s) at step %d; "
                                + "the last good checkpoint is %s", loss, gradNorm, step + 1,
                                RunDirectory.latestCheckpoint(runDir).map(Path::toString).orElse("none")));
                    }
                    optimizer.update(params, grads, lr);
                }
                Engines.zeroGradients(params);
                step++;
                long stepTokens = (long) stepRows * config.sequenceLength();
                tokens += stepTokens;
                if (tokenLoss.modelParameters() > 0) {
                    ledger.add("teacher", preparedSeconds, stepTokens, 2.0 * tokenLoss.modelParameters() * stepTokens);
                }
                ledger.add("optimisation", (System.nanoTime() - trainStart) / 1e9 - preparedSeconds, stepTokens,
                        6.0 * parameterCount * stepTokens);
                windowTokens += (long) config.gradientAccumulation() * micro * config.sequenceLength();
                lastLoss = loss;
                boolean evalNow = !evalRows.isEmpty() && config.evalEvery() > 0
                        && (step % config.evalEvery() == 0 || step == config.steps());
                if (evalNow) {
                    evalLoss = loss(evalRows);
                    progress.note(String.format("step %d: eval loss %.4f", step, evalLoss));
                }
                Map<String, Double> figures = new java.util.LinkedHashMap<>();
                figures.put("loss", loss);
                figures.put("lr", lr);
                figures.put("tok/s", (double) config.gradientAccumulation() * micro * config.sequenceLength()
                        / ((System.nanoTime() - stepStart) / 1e9));
                progress.step(step, figures);
                if (step % config.logEvery() == 0 || step == config.steps() || evalNow) {
                    double seconds = (System.nanoTime() - windowStart) / 1e9;
                    double tps = windowTokens / Math.max(seconds, 1e-9);
                    appendMetrics(step, loss, lr, gradNorm, tokens, tps, evalNow ? evalLoss : Double.NaN);
                    windowStart = System.nanoTime();
                    windowTokens = 0;
                }
                if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == config.steps()) {
                    checkpoint(optimizer, step, cursor, tokens);
                }
            }
            return new Result(step, lastLoss, evalLoss, tokens);
        } finally {
            progress.finished();
            params.forEach(p -> p.setRequiresGradient(false));
            Engines.gradMode(false);
        }
    }

    /** Mean next-token loss over {@code examples} under the loss mask, without training. */
    public double evaluate(List<TrainingExample> examples) {
        return loss(SequencePacker.pack(examples, config.sequenceLength(), padId));
    }

    /** Mean loss over the counted targets of ready-made rows (T + 1 tokens each), without training. */
    public double evaluateRows(List<SequencePacker.Row> rows) {
        return loss(rows);
    }

    /**
     * Forward and backward of one micro-batch; the loss is summed over targets and divided by {@code norm}.
     * The decoder runs over every position, the output head only over those whose target counts, a
     * chunk at a time.
     */
    private double backward(List<SequencePacker.Row> batch, int norm) {
        try (NDManager m = model.manager().newSubManager()) {
            Inputs io = inputs(m, batch);
            NDList prepared = prepare(io.inputs, io.rows);                                        // e.g. [N, H_teacher]
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                double[] sum = new double[1];
                model.trainingLoss(io.inputs, positions(batch.size()), ones(batch.size()), io.rows, config.logitsChunk(),
                        (start, end, logits) -> {
                            NDArray chunkSum = chunkLoss(io, prepared, start, end, logits);       // scalar
                            sum[0] += chunkSum.getFloat();
                            return chunkSum.div(Engines.scalarLike(chunkSum, norm));
                        }, gc, config.gradientCheckpointing());
                return sum[0];
            }
        }
    }

    /** The masked loss summed over loss positions [start, end), whose logits are {@code logits} [C, V]. */
    private NDArray chunkLoss(Inputs io, NDList prepared, int start, int end, NDArray logits) {
        NDManager chunk = logits.getManager();
        NDIndex rows = new NDIndex("{}:{}", start, end);
        NDList part = null;
        if (prepared != null) {
            part = new NDList(prepared.size());
            for (NDArray a : prepared) {
                NDArray p = a.get(rows);
                p.attach(chunk); // what the loss makes from it (a teacher's logits) is freed with the chunk
                part.add(p);
            }
        }
        NDArray targets = io.targets.get(rows);                                                   // [C]
        targets.attach(chunk);
        NDArray weights = io.weights.get(rows);                                                   // [C]
        weights.attach(chunk);
        return tokenLoss.perToken(logits, targets, part).mul(weights).sum();
    }

    /** The loss's input-only work, without gradients and before the trained model runs. */
    private NDList prepare(NDArray inputs, NDArray rows) {
        boolean was = Engines.gradMode(false);
        long start = System.nanoTime();
        try {
            return tokenLoss.prepare(inputs, rows);
        } finally {
            preparedSeconds += (System.nanoTime() - start) / 1e9;
            Engines.gradMode(was);
        }
    }

    private double loss(List<SequencePacker.Row> rows) {
        if (rows.isEmpty()) {
            return Double.NaN;
        }
        boolean grad = Engines.gradMode(false);
        double total = 0;
        long targets = 0;
        try {
            for (int start = 0; start < rows.size(); start += config.batchSize()) {
                List<SequencePacker.Row> batch = rows.subList(start, Math.min(rows.size(), start + config.batchSize()));
                try (NDManager m = model.manager().newSubManager()) {
                    Inputs io = inputs(m, batch);
                    NDList prepared = tokenLoss.prepare(io.inputs, io.rows);
                    NDArray hidden = model.hidden(io.inputs, positions(batch.size()), ones(batch.size()), null)
                            .get(io.rows);                                                        // [N, H]
                    total += model.chunkedLoss(hidden, config.logitsChunk(),
                            (s, e, logits) -> chunkLoss(io, prepared, s, e, logits), null);
                }
                for (SequencePacker.Row r : batch) {
                    targets += r.targets();
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        return targets == 0 ? Double.NaN : total / targets;
    }

    /**
     * A micro-batch: inputs [B, T] (int64), and the positions whose target counts: {@code rows} [N]
     * (int64 flat indices b * T + t), their targets [N] (int64) and mask weights [N] (float). When no
     * target counts, position 0 stands in with weight 0, so every parameter still gets a (zero) gradient.
     */
    private record Inputs(NDArray inputs, NDArray rows, NDArray targets, NDArray weights) {}

    private Inputs inputs(NDManager m, List<SequencePacker.Row> batch) {
        int t = config.sequenceLength();
        long[] in = new long[batch.size() * t];
        long[] rows = new long[batch.size() * t];
        long[] out = new long[batch.size() * t];
        float[] weights = new float[batch.size() * t];
        int n = 0;
        for (int b = 0; b < batch.size(); b++) {
            int[] tokens = batch.get(b).tokens();
            float[] mask = batch.get(b).targetMask();
            for (int i = 0; i < t; i++) {
                in[b * t + i] = tokens[i];
                if (mask[i] != 0f) {
                    rows[n] = b * t + i;
                    out[n] = tokens[i + 1];
                    weights[n] = mask[i];
                    n++;
                }
            }
        }
        if (n == 0) {
            out[0] = batch.get(0).tokens()[1];
            n = 1; // rows[0] = 0, weights[0] = 0
        }
        return new Inputs(Engines.owned(m.create(in, new Shape(batch.size(), t))), Engines.owned(m.create(java.util.Arrays.copyOf(rows, n))),
                Engines.owned(m.create(java.util.Arrays.copyOf(out, n))), Engines.owned(m.create(java.util.Arrays.copyOf(weights, n))));
    }

    private long[] positions(int rows) {
        int t = config.sequenceLength();
        long[] pos = new long[rows * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        return pos;
    }

    private float[] ones(int rows) {
        float[] keep = new float[rows * config.sequenceLength()];
        java.util.Arrays.fill(keep, 1f);
        return keep;
    }

    // ---------------------------------------------------------------------------------------------
    // Run directory

    private void checkpoint(AdamW optimizer, long step, long cursor, long tokens) {
        Path target = RunDirectory.checkpoint(runDir, step);
        Optional<LoraAdapter> lora = LoraAdapter.of(model); // an adapter run checkpoints an adapter directory
        AtomicFiles.replaceDirectory(target, tmp -> {
            if (lora.isPresent()) {
                LoraDirectory.writeAdapterFiles(tmp, lora.get());
            } else {
                // Weights and moments stream from the engine tensor by tensor, F32 so that a resume is exact.
                Checkpoint.writeFiles(tmp, model, null, null, null, WriteOptions.exact());
            }
            optimizer.save(tmp.resolve("optimizer.safetensors"));
            ObjectNode state = JSON.createObjectNode().put("step", step).put("cursor", cursor).put("tokens", tokens)
                    .put("seed", config.seed());
            AtomicFiles.writeString(tmp.resolve(RunDirectory.TRAINER_STATE), state.toString() + "\n");
            ledger.write(tmp.resolve(LEDGER));
        });
        ledger.write(runDir.resolve(LEDGER));
    }

    private void appendMetrics(long step, double loss, double lr, double gradNorm, long tokens, double tps, double evalLoss) {
        ObjectNode o = JSON.createObjectNode().put("step", step).put("loss", loss).put("lr", lr).put("grad_norm", gradNorm)
                .put("tokens", tokens).put("tokens_per_second", tps);
        if (!Double.isNaN(evalLoss)) {
            o.put("eval_loss", evalLoss);
        }
        RunDirectory.appendLine(runDir.resolve("metrics.jsonl"), o.toString());
    }
}
