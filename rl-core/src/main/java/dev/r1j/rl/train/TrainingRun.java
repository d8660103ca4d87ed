package dev.r1j.rl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.checkpoint.WriteOptions;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.optim.AdamW;
import dev.r1j.rl.optim.GradientClipping;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.run.RunDirectory;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every trainer's run does around its own step: resume from the latest checkpoint, clip and apply
 * an update, write checkpoints, append metrics lines, keep the cost ledger. A trainer opens one with
 * {@link #open}, reads the step it resumes at, and calls {@link #update} once per optimiser update and
 * {@link #checkpoint} when {@link #checkpointDue} says so.
 *
 * <p>Resume: the latest {@code checkpoints/step-N/} gives the weights (or, for a model with a LoRA
 * adapter, the adapter), the AdamW moments, the trainer state and the ledger; every line of the
 * run's JSONL logs after step N is dropped, so a resumed run's logs read as an uninterrupted run's.
 *
 * <p>A checkpoint directory is published atomically and holds the model in Hugging Face layout (or
 * the adapter directory), {@code optimizer.safetensors}, {@value LEDGER} and
 * {@link RunDirectory#TRAINER_STATE} ({@code step}, the trainer's own position fields, {@code seed}).
 * Weights and moments are written F32, so that a resume is exact.
 */
public final class TrainingRun implements AutoCloseable {

    /** The cost ledger's file name, in the run directory and in every checkpoint (so a resume continues it). */
    public static final String LEDGER = "ledger.json";

    /** The metrics log in the run directory: one JSON object a logged step. */
    public static final String METRICS = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a run is kept.
     *
     * @param runDir          the run directory
     * @param steps           the step the run ends at (it always checkpoints there)
     * @param checkpointEvery checkpoint every this many steps; 0 only at the end
     * @param clipNorm        global gradient-norm bound applied before each update
     * @param seed            the run's seed, recorded in every checkpoint's trainer state
     * @param adam            the optimiser's settings
     * @param logs            the run directory's JSONL logs (each line with a {@code step}) cut back on resume
     */
    public record Settings(Path runDir, long steps, int checkpointEvery, double clipNorm, long seed,
                           AdamW.Settings adam, List<String> logs) {
        public Settings {
            java.util.Objects.requireNonNull(runDir, "runDir");
            java.util.Objects.requireNonNull(adam, "adam");
            if (steps < 0 || checkpointEvery < 0 || !(clipNorm > 0)) {
                throw new IllegalArgumentException("steps and checkpoint_every must be >= 0 and clip_norm > 0, were "
                        + steps + ", " + checkpointEvery + " and " + clipNorm);
            }
            logs = List.copyOf(logs);
        }
    }

    /**
     * The files a checkpoint carries besides weights, moments, ledger and state; each may be null.
     * A run that checkpoints with them writes a directory that loads on its own (tokenizer and chat
     * template); a run without writes the weights only.
     */
    public record ModelFiles(Tokenizer tokenizer, PromptTemplate template, Provenance provenance) {
        /** Weights only. */
        public static final ModelFiles NONE = new ModelFiles(null, null, null);
    }

    private final CausalLm model;
    private final List<NDArray> params;
    private final Settings settings;
    private final AdamW optimizer;
    private final long startStep;
    private final JsonNode resumedState;
    private final Optional<Path> resumedFrom;
    private final CostLedger ledger;

    private TrainingRun(CausalLm model, List<NDArray> params, Settings settings, AdamW optimizer, long startStep,
                        JsonNode resumedState, Optional<Path> resumedFrom, CostLedger ledger) {
        this.model = model;
        this.params = params;
        this.settings = settings;
        this.optimizer = optimizer;
        this.startStep = startStep;
        this.resumedState = resumedState;
        this.resumedFrom = resumedFrom;
        this.ledger = ledger;
    }

    /**
     * Creates the optimiser over {@code params} and, when the run directory has a checkpoint, resumes
     * from the latest one; without one the run starts over, and so does its cost.
     */
    public static TrainingRun open(CausalLm model, List<NDArray> params, Settings settings, ProgressListener progress) {
        AdamW optimizer = new AdamW(params, settings.adam());
        try {
            Optional<Path> latest = RunDirectory.latestCheckpoint(settings.runDir());
            if (latest.isEmpty()) {
                return new TrainingRun(model, params, settings, optimizer, 0, JSON.createObjectNode(), latest,
                        new CostLedger());
            }
            Path dir = latest.get();
            JsonNode state = RunDirectory.trainerState(dir);
            Optional<LoraAdapter> lora = LoraAdapter.of(model);
            if (lora.isPresent()) {
                LoraDirectory.loadWeights(lora.get(), dir);
            } else {
                try (ModelWeightsFiles w = ModelWeightsFiles.open(dir)) {
                    model.loadWeights(w, dir);
                }
            }
            optimizer.load(dir.resolve("optimizer.safetensors"));
            long step = state.get("step").asLong();
            CostLedger ledger = CostLedger.read(dir.resolve(LEDGER));
            for (String log : settings.logs()) {
                RunDirectory.truncateAfter(settings.runDir().resolve(log), step);
            }
            progress.note("resuming from " + dir + " at step " + step);
            return new TrainingRun(model, params, settings, optimizer, step, state, latest, ledger);
        } catch (RuntimeException e) {
            optimizer.close();
            throw e;
        }
    }

    /** The step the run starts after: 0, or the resumed checkpoint's. */
    public long startStep() {
        return startStep;
    }

    /** The resumed checkpoint's trainer state (its position fields); an empty object when starting over. */
    public JsonNode resumedState() {
        return resumedState;
    }

    /** The checkpoint the run resumed from, if any. */
    public Optional<Path> resumedFrom() {
        return resumedFrom;
    }

    /** The run's cost so far, continued from the resumed checkpoint's. */
    public CostLedger ledger() {
        return ledger;
    }

    /** Whether step {@code step} ends with a checkpoint: every {@code checkpointEvery} steps, and the last. */
    public boolean checkpointDue(long step) {
        return (settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0) || step == settings.steps();
    }

    /**
     * Clips the accumulated gradients by global norm, applies AdamW at {@code lr} and zeroes the
     * gradients; returns the norm before clipping.
     *
     * @param step the step this update belongs to, named when it stops
     * @param loss the loss the gradients belong to
     * @throws IllegalStateException when the loss or the gradient norm is not finite; nothing is
     *                               updated, and the message names the last good checkpoint
     */
    public double update(double lr, long step, double loss) {
        double norm;
        try (NDManager scratch = model.manager().newSubManager()) {
            List<NDArray> grads = new ArrayList<>(params.size());
            for (NDArray p : params) {
                NDArray grad = p.getGradient();
                grad.attach(scratch); // a handle on the parameter's gradient, closed after the update
                grads.add(grad);
            }
            norm = GradientClipping.clipByGlobalNorm(grads, settings.clipNorm());
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                throw new IllegalStateException(String.format("non-finite loss (%s) or gradient norm (%s) at step %d; "
                        + "nothing was updated, and the last good checkpoint is %s", loss, norm, step, lastGood()));
            }
            optimizer.update(params, grads, lr);
        }
        Engines.zeroGradients(params);
        return norm;
    }

    /**
     * Writes {@code checkpoints/step-N/} atomically, then the run directory's ledger.
     *
     * @param position the trainer's own state fields (data position...), written between {@code step}
     *                 and {@code seed}; a resume reads them back from {@link #resumedState}
     * @throws IllegalStateException when the model's weights are not finite (nothing is written)
     */
    public Path checkpoint(long step, Map<String, Long> position, ModelFiles files) {
        if (!model.weightsFinite()) {
            throw new IllegalStateException("non-finite weights after step " + step + "; the last good checkpoint is "
                    + lastGood());
        }
        Path target = RunDirectory.checkpoint(settings.runDir(), step);
        Optional<LoraAdapter> lora = LoraAdapter.of(model); // an adapter run checkpoints an adapter directory
        ObjectNode state = JSON.createObjectNode().put("step", step);
        position.forEach(state::put);
        state.put("seed", settings.seed());
        AtomicFiles.replaceDirectory(target, tmp -> {
            if (lora.isPresent()) {
                LoraDirectory.writeFiles(tmp, lora.get(), files.tokenizer(), files.template(), files.provenance());
            } else {
                Checkpoint.writeFiles(tmp, model, files.tokenizer(), files.template(), files.provenance(),
                        WriteOptions.exact());
            }
            optimizer.save(tmp.resolve("optimizer.safetensors"));
            ledger.write(tmp.resolve(LEDGER));
            AtomicFiles.writeString(tmp.resolve(RunDirectory.TRAINER_STATE), state + "\n");
        });
        writeLedger();
        return target;
    }

    /** Writes the ledger into the run directory. */
    public void writeLedger() {
        ledger.write(settings.runDir().resolve(LEDGER));
    }

    /**
     * Appends one line to {@value METRICS}: {@code step}, then {@code figures} in their order; a
     * whole number ({@link Long}, {@link Integer}) is written as one, a non-finite or null figure as
     * {@code null}.
     */
    public void appendMetrics(long step, Map<String, ? extends Number> figures) {
        RunDirectory.appendLine(settings.runDir().resolve(METRICS), metricsLine(step, figures));
    }

    /** The line {@link #appendMetrics} writes. */
    public static String metricsLine(long step, Map<String, ? extends Number> figures) {
        ObjectNode o = JSON.createObjectNode().put("step", step);
        figures.forEach((k, v) -> {
            if (v instanceof Long || v instanceof Integer) {
                o.put(k, v.longValue());
            } else if (v == null || !Double.isFinite(v.doubleValue())) {
                o.putNull(k);
            } else {
                o.put(k, v.doubleValue());
            }
        });
        return o.toString();
    }

    private String lastGood() {
        return RunDirectory.latestCheckpoint(settings.runDir()).map(Path::toString).orElse("none (no checkpoint yet)");
    }

    /** Frees the optimiser's moments. */
    @Override
    public void close() {
        optimizer.close();
    }
}
