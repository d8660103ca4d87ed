package dev.r1j.rl.grpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.rewards.ParallelScorer;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.Reward;
import dev.r1j.rewards.RewardResult;
import dev.r1j.rewards.format.SelfCheck;
import dev.r1j.rewards.format.ThinkAnswerFormat;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.generate.Completion;
import dev.r1j.rl.generate.FinishReason;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.generate.SamplingParams;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Engines;
import dev.r1j.rl.model.Precision;
import dev.r1j.rl.model.TokenScores;
import dev.r1j.rl.optim.AdamW;
import dev.r1j.rl.optim.LearningRateSchedule;
import dev.r1j.rl.run.CostLedger;
import dev.r1j.rl.run.ProgressListener;
import dev.r1j.rl.run.RunDirectory;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import dev.r1j.rl.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Group Relative Policy Optimization (Shao et al. 2024) with outcome rewards, as DeepSeek-R1-Zero
 * trained: for each prompt sample a group of completions, score them with verifiers, and push up the
 * log-probability of completions that beat their group's mean. Each step reads top to bottom in
 * {@link #step}: sample, score, advantage, log-probs, loss, update.
 *
 * <p>The run directory holds {@code config.json} (written by the caller), {@code metrics.jsonl}
 * (one object a step), {@code samples.jsonl}, {@code ledger.json} and {@code checkpoints/step-N/} in
 * Hugging Face layout plus optimiser state. Everything random in a step is seeded by (seed, step), so
 * a run started on a directory with checkpoints resumes from the latest and ends with the weights an
 * uninterrupted run would have.
 */
public final class GrpoTrainer {

    /** What a run ended with. */
    public record Result(long steps, Path lastCheckpoint, Map<String, Double> lastMetrics) {}

    /** One prompt and its group of scored completions. */
    private record Group(Problem problem, int[] promptIds, List<Completion> completions, RewardResult[] results) {
        double reward(int j) {
            return results[j].score();
        }
    }

    /** The sequences of one step laid out for the loss: prompt + completion ids, loss masks, advantages. */
    private record Batch(int[][] ids, int[] promptLengths, boolean[] inLoss, double[] advantages, double[] tokenWeights) {
        int size() {
            return ids.length;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CausalLm policy;
    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final Generator generator;
    private final Reward reward;
    private final ProblemStream problems;
    private final GrpoConfig config;
    private final Path runDir;
    private final ProgressListener progress;
    private final ThinkAnswerFormat thinkFormat;
    private final Precision referencePrecision;
    private CausalLm reference;
    private TrainingRun run;

    /**
     * @param policy    the model trained in place
     * @param generator samples from {@code policy} (it must see the updated weights: a generator over
     *                  the same {@link CausalLm} does)
     * @param reward    scores completions; its {@code correct} flag is the accuracy, its components are
     *                  logged separately
     */
    public GrpoTrainer(CausalLm policy, Tokenizer tokenizer, PromptTemplate template, Generator generator, Reward reward,
                       ProblemStream problems, GrpoConfig config, Path runDir, ProgressListener progress) {
        this(policy, tokenizer, template, generator, reward, problems, config, runDir, progress, Precision.FP32);
    }

    /**
     * As the other constructor, with the KL reference, when it is an independent copy of the policy
     * (full fine-tuning with {@code beta > 0}), stored in {@code referencePrecision}; a LoRA run's
     * reference shares the policy's frozen base, stored as the base is.
     */
    public GrpoTrainer(CausalLm policy, Tokenizer tokenizer, PromptTemplate template, Generator generator, Reward reward,
                       ProblemStream problems, GrpoConfig config, Path runDir, ProgressListener progress,
                       Precision referencePrecision) {
        this.referencePrecision = referencePrecision;
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.template = template;
        // think_rate reads completions as continuations of a prompt that may open or close the think block
        this.thinkFormat = new ThinkAnswerFormat(dev.r1j.rewards.format.ThinkStart.of(template.render("")));
        this.generator = generator;
        this.reward = reward;
        this.problems = problems;
        this.config = config;
        this.runDir = runDir;
        this.progress = progress;
    }

    /** Trains to {@code config.steps()}, resuming from the latest checkpoint in the run directory. */
    public Result train() {
        List<NDArray> params = policy.trainableParameters();
        LearningRateSchedule schedule = new LearningRateSchedule(config.learningRate(), config.minLearningRate(),
                config.warmupSteps(), config.steps());
        ParallelScorer scorers = new ParallelScorer(reward, config.rewardThreads());
        TrainingRun.Settings settings = new TrainingRun.Settings(runDir, config.steps(), config.checkpointEvery(),
                config.clipNorm(), config.seed(), new AdamW.Settings(0.9, config.adamBeta2(), 1e-8, config.weightDecay()),
                List.of(TrainingRun.METRICS, "samples.jsonl"));
        try {
            // The reference is the policy as given, before any checkpoint replaces its weights (with a
            // fresh LoRA adapter, the shared base with adapters off).
            reference = config.beta() > 0 ? policy.frozenReference(referencePrecision) : null;
            try (TrainingRun run = TrainingRun.open(policy, params, settings, progress)) {
                this.run = run;
                long step = run.startStep();
                progress.started("grpo", step, config.steps());
                Map<String, Double> metrics = Map.of();
                Path last = run.resumedFrom().orElse(null);
                params.forEach(p -> p.setRequiresGradient(true));
                while (step < config.steps()) {
                    step++;
                    metrics = step(step, schedule.at(step - 1), scorers);
                    run.appendMetrics(step, metrics);
                    progress.step(step, headline(metrics));
                    if (run.checkpointDue(step)) {
                        last = checkpoint(step);
                    }
                }
                run.writeLedger();
                return new Result(step, last, metrics);
            }
        } finally {
            run = null;
            params.forEach(p -> p.setRequiresGradient(false));
            Engines.gradMode(false);
            scorers.close();
            if (reference != null) {
                reference.close();
            }
            progress.finished();
        }
    }

    /** One GRPO step; returns its metrics. */
    private Map<String, Double> step(long step, double lr, ParallelScorer scorers) {
        long stepStart = System.nanoTime();
        Map<String, Double> m = new LinkedHashMap<>();
        int b = config.promptsPerStep();
        int g = config.groupSize();

        // 1-2. Sample G completions per prompt and score them; with dynamic sampling, sample more
        // prompts while too few groups disagree.
        List<Group> sampled = new ArrayList<>();
        List<Group> informative = new ArrayList<>();
        List<Group> agreeing = new ArrayList<>();
        double genSeconds = 0;
        double scoreSeconds = 0;
        int rounds = 0;
        long generatedTokens = 0;
        // An engine holding its own copy of the policy (ONNX Runtime) takes the current weights now.
        long sync0 = System.nanoTime();
        generator.weightsChanged();
        double syncSeconds = (System.nanoTime() - sync0) / 1e9;
        genSeconds += syncSeconds;
        for (int round = 0; round < (config.dynamicSampling() ? config.maxSamplingRounds() : 1); round++) {
            List<Problem> drawn = problems.draw(step, round, b);
            long t0 = System.nanoTime();
            List<String> prompts = drawn.stream().map(p -> template.render(p.prompt())).toList();
            List<Completion> completions = generator.generate(prompts, g, samplingParams(step, round));
            long t1 = System.nanoTime();
            List<Group> groups = score(drawn, prompts, completions, scorers);
            long t2 = System.nanoTime();
            genSeconds += (t1 - t0) / 1e9;
            scoreSeconds += (t2 - t1) / 1e9;
            rounds++;
            for (Group group : groups) {
                sampled.add(group);
                generatedTokens += group.completions().stream().mapToInt(Completion::length).sum();
                boolean agree = true;
                for (int j = 1; j < g; j++) {
                    agree &= group.reward(j) == group.reward(0);
                }
                (agree ? agreeing : informative).add(group);
            }
            if (!config.dynamicSampling() || informative.size() >= b) {
                break;
            }
        }
        List<Group> batchGroups = config.dynamicSampling() ? fill(informative, agreeing, b) : sampled;

        // 3. Advantages: reward minus the group mean, scaled as configured.
        double[] rewards = new double[batchGroups.size() * g];                                  // [B*G]
        for (int i = 0; i < batchGroups.size(); i++) {
            for (int j = 0; j < g; j++) {
                rewards[i * g + j] = batchGroups.get(i).reward(j);
            }
        }
        double[] advantages = Advantages.compute(rewards, g, config.advantageScaling());        // [B*G]
        Batch batch = layout(batchGroups, advantages);

        // 4. Log-probs the loss compares against: the sampling policy's (only needed when mu > 1: with
        // one pass the current policy is the sampling policy) and the reference's (only when beta > 0).
        long t3 = System.nanoTime();
        // With a rollout correction, also the trainer's log-probs of the sampling distribution (at the
        // sampling temperature, as Completion's are), for the importance weights; at temperature 1 they
        // are the sampling policy's log-probs themselves. Token weights with one pass need no forward
        // of their own: the training pass computes them from its own logits (inPass).
        boolean correcting = config.rolloutCorrection() != RolloutCorrection.NONE;
        boolean inPass = config.rolloutCorrection() == RolloutCorrection.TOKEN && config.iterations() == 1;
        List<float[]> engineLogProbs = batchGroups.stream().flatMap(gr -> gr.completions().stream())
                .map(Completion::logProbs).toList();                                               // [B*G][L_i]
        float[][] samplerLogProbs = correcting && !inPass ? logProbs(policy, batch, config.temperature()) : null; // [B*G][T_i]
        float[][] oldLogProbs = config.iterations() > 1
                ? (samplerLogProbs != null && config.temperature() == 1.0 ? samplerLogProbs : logProbs(policy, batch))
                : null;                                                                           // [B*G][T_i]
        float[][] refLogProbs = reference != null ? logProbs(reference, batch) : null;        // [B*G][T_i]
        RolloutWeights rollout = samplerLogProbs != null ? RolloutWeights.compute(config.rolloutCorrection(),
                config.rolloutIsCap(), samplerLogProbs, batch.promptLengths(), batch.inLoss(), engineLogProbs) : null;
        float[][] engineByTarget = inPass ? RolloutWeights.byTarget(batch.ids(), batch.promptLengths(), batch.inLoss(),
                engineLogProbs) : null;                                                              // [B*G][T_i]
        RolloutMismatch inPassMismatch = new RolloutMismatch();
        double logProbSeconds = (System.nanoTime() - t3) / 1e9;

        // 5-6. mu passes over the batch: the policy loss (PPO clip, GSPO or CISPO) + beta * KL, aggregated,
        // one update each.
        // The first pass describes the sampling policy; clipping can only happen from the second on
        // (before the first update the ratio is exactly 1), so clip fractions are read from the last pass.
        PassStatistics firstPass = null;
        PassStatistics lastPass = null;
        double gradNorm = 0;
        int ratioForwards = 0;
        for (int pass = 0; pass < config.iterations(); pass++) {
            PassStatistics stats = new PassStatistics();
            // GSPO's ratio is a whole completion's: from the second pass on it needs the current policy's
            // log-probs of every token first (before the first update the policy is the sampling one: s = 1).
            double[] sequenceLogRatios = null;                                                    // [B*G]
            if (config.policyLoss().needsSequenceRatios()) {
                sequenceLogRatios = new double[batch.size()];
                if (pass > 0) {
                    sequenceLogRatios = PolicyLoss.sequenceLogRatios(logProbs(policy, batch), oldLogProbs,
                            batch.promptLengths(), batch.ids(), batch.inLoss());
                    ratioForwards++;
                }
            }
            Engines.gradMode(true);
            for (int start = 0; start < batch.size(); start += config.microBatchSize()) {
                int end = Math.min(batch.size(), start + config.microBatchSize());
                accumulate(batch, start, end, oldLogProbs, refLogProbs, sequenceLogRatios,
                        rollout == null ? null : rollout.weights(), engineByTarget, inPassMismatch, stats);
            }
            Engines.gradMode(false);
            gradNorm = run.update(lr, step, stats.loss());
            if (pass == 0) {
                firstPass = stats;
            }
            lastPass = stats;
        }
        long t4 = System.nanoTime();
        double optSeconds = (t4 - t3) / 1e9;

        long trainedTokens = 0;
        for (int[] ids : batch.ids()) {
            trainedTokens += ids.length;
        }
        long params0 = policy.config().parameterCount();
        CostLedger ledger = run.ledger();
        ledger.add("generation", genSeconds, generatedTokens, 2.0 * params0 * generatedTokens);
        ledger.add("scoring", scoreSeconds, 0, 0);
        ledger.add("optimisation", optSeconds, trainedTokens * config.iterations(), (6.0 * config.iterations()
                + (oldLogProbs != null ? 2 : 0) + 2.0 * ratioForwards + (refLogProbs != null ? 2 : 0)
                + (samplerLogProbs != null && samplerLogProbs != oldLogProbs ? 2 : 0)) * params0 * trainedTokens);

        writeSamples(step, sampled);
        double stepSeconds = (System.nanoTime() - stepStart) / 1e9;
        summarize(m, sampled, g);
        m.put("kl", reference != null ? firstPass.meanKl() : Double.NaN);
        m.put("clip_low", lastPass.clipLowFraction());
        m.put("clip_high", lastPass.clipHighFraction());
        m.put("entropy", firstPass.meanEntropy());
        m.put("loss", firstPass.loss());
        m.put("lr", lr);
        m.put("grad_norm", gradNorm);
        m.put("sampling_rounds", (double) rounds);
        m.put("tokens_per_second", generatedTokens / stepSeconds);
        m.put("generation_seconds", genSeconds);
        m.put("scoring_seconds", scoreSeconds);
        m.put("optimisation_seconds", optSeconds);
        m.put("logprob_seconds", logProbSeconds);
        m.put("weight_sync_seconds", syncSeconds);
        m.put("rollout_kl", rollout != null ? rollout.kl() : inPass ? inPassMismatch.meanKl() : Double.NaN);
        m.put("rollout_capped_share", rollout != null ? rollout.cappedShare() : inPass ? inPassMismatch.cappedShare() : Double.NaN);
        m.put("step_seconds", stepSeconds);
        return m;
    }

    private SamplingParams samplingParams(long step, int round) {
        return SamplingParams.builder().maxNewTokens(config.maxNewTokens()).temperature(config.temperature())
                .topP(config.topP()).seed(ProblemStream.mix(config.seed() ^ 0x5EED, step, round)).build();
    }

    /** Scores every completion on the scorer threads and groups them by prompt, in order. */
    private List<Group> score(List<Problem> drawn, List<String> prompts, List<Completion> completions, ParallelScorer scorer) {
        int g = config.groupSize();
        List<RewardResult> results = scorer.score(completions.stream().map(c -> drawn.get(c.promptIndex())).toList(),
                completions.stream().map(Completion::text).toList());
        List<Group> groups = new ArrayList<>(drawn.size());
        for (int i = 0; i < drawn.size(); i++) {
            groups.add(new Group(drawn.get(i), tokenizer.encode(prompts.get(i)), completions.subList(i * g, (i + 1) * g),
                    results.subList(i * g, (i + 1) * g).toArray(new RewardResult[0])));
        }
        return groups;
    }

    /** B groups for the batch: informative ones first, then agreeing ones (zero advantage) if rounds ran out. */
    static <T> List<T> fill(List<T> informative, List<T> agreeing, int b) {
        List<T> out = new ArrayList<>(informative.subList(0, Math.min(b, informative.size())));
        for (int i = 0; out.size() < b && i < agreeing.size(); i++) {
            out.add(agreeing.get(i));
        }
        return out;
    }

    private Batch layout(List<Group> groups, double[] advantages) {
        int g = config.groupSize();
        int n = groups.size() * g;
        int[][] ids = new int[n][];
        int[] promptLengths = new int[n];
        boolean[] inLoss = new boolean[n];
        int[] lossTokens = new int[n];
        for (int i = 0; i < groups.size(); i++) {
            Group group = groups.get(i);
            for (int j = 0; j < g; j++) {
                int k = i * g + j;
                Completion c = group.completions().get(j);
                int[] completion = c.tokenIds();
                int[] seq = new int[group.promptIds().length + completion.length];
                System.arraycopy(group.promptIds(), 0, seq, 0, group.promptIds().length);
                System.arraycopy(completion, 0, seq, group.promptIds().length, completion.length);
                ids[k] = seq;
                promptLengths[k] = group.promptIds().length;
                inLoss[k] = completion.length > 0
                        && !(config.overlongFiltering() && c.finishReason() == FinishReason.LENGTH);
                lossTokens[k] = inLoss[k] ? completion.length : 0;
            }
        }
        double[] weights = config.lossAggregation().tokenWeights(lossTokens, config.maxNewTokens());
        return new Batch(ids, promptLengths, inLoss, advantages, weights);
    }

    /**
     * Log-probabilities of each sequence's completion tokens under {@code model}, without gradients:
     * entry j of a row is that of target j (token j + 1), filled only where the loss reads it.
     */
    private float[][] logProbs(CausalLm model, Batch batch) {
        return logProbs(model, batch, 1.0);
    }

    /** As {@link #logProbs(CausalLm, Batch)}, under softmax(logits / temperature). */
    private float[][] logProbs(CausalLm model, Batch batch, double temperature) {
        float[][] out = new float[batch.size()][];
        boolean was = Engines.gradMode(false);
        try {
            for (int start = 0; start < batch.size(); start += config.microBatchSize()) {
                int end = Math.min(batch.size(), start + config.microBatchSize());
                try (NDManager mm = model.manager().newSubManager()) {
                    Micro micro = micro(mm, batch, start, end);
                    NDArray hidden = model.hidden(micro.inputs, micro.positions, micro.attention, null)
                            .get(Engines.owned(mm.create(micro.rows)));                                                  // [N, H]
                    float[] lp = model.tokenLogProbs(hidden, Engines.owned(mm.create(micro.targets)), config.logitsChunk(),
                            temperature)
                            .logProbs().toFloatArray();                                                   // [N]
                    for (int i = start; i < end; i++) {
                        out[i] = new float[micro.t];
                    }
                    for (int k = 0; k < micro.rows.length; k++) {
                        out[start + (int) (micro.rows[k] / micro.t)][(int) (micro.rows[k] % micro.t)] = lp[k];
                    }
                }
            }
        } finally {
            Engines.gradMode(was);
        }
        return out;
    }

    /**
     * Inputs of sequences [start, end), right-padded to the longest, and the positions that carry loss:
     * {@code rows} (flat indices r * t + j into [M*T]) with their targets (token j + 1) and mask. Only
     * these rows go through the output head. When no position carries loss, row 0 stands in with mask
     * 0, so every parameter still receives a (zero) gradient.
     */
    private record Micro(NDArray inputs, long[] positions, float[] attention, int t, long[] rows, long[] targets,
                         float[] mask) {}

    private Micro micro(NDManager mm, Batch batch, int start, int end) {
        int rows = end - start;
        int t = 1;
        for (int i = start; i < end; i++) {
            t = Math.max(t, batch.ids()[i].length - 1);
        }
        long[] in = new long[rows * t];
        long[] pos = new long[rows * t];
        float[] attention = new float[rows * t];
        java.util.Arrays.fill(attention, 1f); // right padding: real tokens never attend to the pad after them
        int pad = Math.max(0, tokenizer.padId());
        List<Long> selected = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int[] seq = batch.ids()[start + r];
            for (int j = 0; j < t; j++) {
                pos[r * t + j] = j;
                in[r * t + j] = j < seq.length ? seq[j] : pad;
                // Target j is token j+1: a completion token when j+1 >= prompt length.
                boolean completion = j + 1 >= batch.promptLengths()[start + r] && j + 1 < seq.length;
                if (completion && batch.inLoss()[start + r]) {
                    selected.add((long) r * t + j);
                    targets.add((long) seq[j + 1]);
                }
            }
        }
        float[] mask = new float[Math.max(1, selected.size())];
        java.util.Arrays.fill(mask, 0, selected.size(), 1f);
        if (selected.isEmpty()) {
            selected.add(0L);
            targets.add((long) (batch.ids()[start].length > 1 ? batch.ids()[start][1] : pad));
        }
        return new Micro(Engines.owned(mm.create(in, new Shape(rows, t))), pos, attention, t,
                selected.stream().mapToLong(Long::longValue).toArray(), targets.stream().mapToLong(Long::longValue).toArray(),
                mask);
    }

    /**
     * Forward and backward of sequences [start, end), adding this micro-batch's share of the batch loss.
     * The decoder runs over every position, the output head only over the loss positions, a chunk at a
     * time ({@code logits_chunk}).
     */
    private void accumulate(Batch batch, int start, int end, float[][] oldLogProbs, float[][] refLogProbs,
                            double[] sequenceLogRatios, float[][] rolloutWeights, float[][] engineLogProbs, RolloutMismatch mismatch, PassStatistics stats) {
        try (NDManager mm = policy.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Micro micro = micro(mm, batch, start, end);
            int t = micro.t;
            int n = micro.rows.length;
            float[] weights = new float[n];      // mask * the aggregation's per-token weight
            float[] adv = new float[n];          // each token's sequence advantage
            float[] seq = sequenceLogRatios == null ? null : new float[n]; // each token's sequence log s_i (GSPO)
            float[] old = oldLogProbs == null ? null : new float[n];
            float[] ref = refLogProbs == null ? null : new float[n];
            float[] isw = rolloutWeights == null ? null : new float[n];   // rollout importance weights (detached)
            float[] eng = engineLogProbs == null ? null : new float[n];   // the engine's log-probs, for weights made here
            float[] trainerOut = eng == null ? null : new float[n];
            for (int k = 0; k < n; k++) {
                int r = start + (int) (micro.rows[k] / t);
                int j = (int) (micro.rows[k] % t);
                weights[k] = micro.mask[k] * (float) batch.tokenWeights()[r];
                adv[k] = (float) batch.advantages()[r];
                if (seq != null) {
                    seq[k] = (float) sequenceLogRatios[r];
                }
                if (old != null) {
                    old[k] = oldLogProbs[r][j];
                }
                if (ref != null) {
                    ref[k] = refLogProbs[r][j];
                }
                if (isw != null) {
                    isw[k] = rolloutWeights[r][j];
                }
                if (eng != null) {
                    eng[k] = engineLogProbs[r][j];
                }
            }
            NDArray targets = Engines.owned(mm.create(micro.targets));                                             // [N]
            NDArray rows = Engines.owned(mm.create(micro.rows));                                                 // [N]
            float[] ratios = new float[n];
            float[] entropyOut = new float[n];
            float[] klOut = new float[n];
            double loss = policy.trainingLoss(micro.inputs, micro.positions, micro.attention, rows, config.logitsChunk(),
                    (s, e, logits) -> {
                NDManager cm = logits.getManager();
                TokenScores scores = TokenScores.of(logits, targets.get(s + ":" + e));               // [C], [C]
                NDArray logp = scores.logProbs();
                NDArray oldC = old == null ? logp.stopGradient() : Engines.owned(cm.create(java.util.Arrays.copyOfRange(old, s, e)));
                NDArray seqC = seq == null ? null : Engines.owned(cm.create(java.util.Arrays.copyOfRange(seq, s, e))); // [C]
                NDArray perToken = config.policyLoss().apply(config.surrogate(), logp, oldC,
                        Engines.owned(cm.create(java.util.Arrays.copyOfRange(adv, s, e))), seqC);                  // [C]
                float[] w = isw != null ? java.util.Arrays.copyOfRange(isw, s, e) : null;                         // [C]
                if (eng != null) {
                    // The sampling distribution's log-probs from this pass's own logits, detached.
                    NDArray sampled = config.temperature() == 1.0 ? logp.stopGradient() : TokenScores.logProbs(
                            logits.stopGradient().div(Engines.scalarLike(logits, config.temperature())),
                            targets.get(s + ":" + e));                                                                 // [C]
                    float[] tr = sampled.toFloatArray();
                    System.arraycopy(tr, 0, trainerOut, s, e - s);
                    w = RolloutCorrection.TOKEN.weights(tr, java.util.Arrays.copyOfRange(eng, s, e), config.rolloutIsCap());
                }
                if (w != null) { // truncated importance sampling of the engine mismatch: the policy-gradient term only
                    perToken = perToken.mul(Engines.owned(cm.create(w)));                                             // [C]
                }
                if (ref != null) {
                    NDArray kl = config.klEstimator().apply(logp, Engines.owned(cm.create(java.util.Arrays.copyOfRange(ref, s, e))));
                    perToken = perToken.add(kl.mul(Engines.scalarLike(kl, config.beta())));
                    System.arraycopy(kl.stopGradient().toFloatArray(), 0, klOut, s, e - s);
                }
                // Figures for the log, outside the graph: the ratio the loss clipped (GSPO's is the sequence's).
                NDArray logRatio = seqC != null ? seqC : logp.stopGradient().sub(oldC.stopGradient());      // [C]
                System.arraycopy(logRatio.exp().toFloatArray(), 0, ratios, s, e - s);
                System.arraycopy(scores.entropy().stopGradient().toFloatArray(), 0, entropyOut, s, e - s);
                return perToken.mul(Engines.owned(cm.create(java.util.Arrays.copyOfRange(weights, s, e)))).sum();   // scalar
            }, gc, config.gradientCheckpointing());

            float[] mask = micro.mask;
            double maskSum = 0;
            double entSum = 0;
            double klSum = 0;
            for (int k = 0; k < n; k++) {
                maskSum += mask[k];
                entSum += entropyOut[k] * mask[k];
                klSum += klOut[k] * mask[k];
            }
            if (eng != null) {
                int inLoss = 0;
                for (float mk : mask) {
                    inLoss += mk > 0 ? 1 : 0;
                }
                float[] tm = new float[inLoss];
                float[] em = new float[inLoss];
                for (int k = 0, at = 0; k < n; k++) {
                    if (mask[k] > 0) {
                        tm[at] = trainerOut[k];
                        em[at++] = eng[k];
                    }
                }
                mismatch.add(RolloutCorrection.klSum(tm, em), RolloutCorrection.TOKEN.capped(tm, em, config.rolloutIsCap()), inLoss);
            }
            double[] clip = config.policyLoss().clipFractions(config.surrogate(), ratios, adv, mask);
            stats.addLoss(loss);
            stats.addEntropy(entSum);
            stats.addClipped(clip[0] * maskSum, clip[1] * maskSum);
            if (ref != null) {
                stats.addKl(klSum);
            }
            stats.addTokens(maskSum);
        }
    }

    /**
     * Reward (and each component), accuracy, think-rate, check- and correction-rate, lengths,
     * zero-spread share over every sampled completion.
     */
    private void summarize(Map<String, Double> m, List<Group> sampled, int g) {
        double rewardSum = 0;
        double correct = 0;
        double thinking = 0;
        double checking = 0;
        double correcting = 0;
        double lengthSum = 0;
        double lengthMax = 0;
        double cut = 0;
        double zeroSpread = 0;
        Map<String, Double> components = new LinkedHashMap<>();
        int n = 0;
        for (Group group : sampled) {
            boolean agree = true;
            for (int j = 0; j < g; j++) {
                RewardResult r = group.results()[j];
                Completion c = group.completions().get(j);
                rewardSum += r.score();
                correct += r.correct() ? 1 : 0;
                thinking += thinkFormat.thinks(c.text()) ? 1 : 0;
                // Read like think_rate, so a self-checking model's checks and redone slips are seen growing or fading.
                SelfCheck.Reading read = SelfCheck.read(thinkFormat.start(), c.text());
                checking += read.checks() ? 1 : 0;
                correcting += read.corrects() ? 1 : 0;
                lengthSum += c.length();
                lengthMax = Math.max(lengthMax, c.length());
                cut += c.finishReason() == FinishReason.LENGTH ? 1 : 0;
                r.components().forEach((k, v) -> components.merge(k, v, Double::sum));
                agree &= r.score() == group.results()[0].score();
                n++;
            }
            zeroSpread += agree ? 1 : 0;
        }
        m.put("reward", rewardSum / n);
        for (Map.Entry<String, Double> e : components.entrySet()) {
            m.put("reward/" + e.getKey(), e.getValue() / n);
        }
        m.put("accuracy", correct / n);
        m.put("think_rate", thinking / n);
        m.put("check_rate", checking / n);
        m.put("correction_rate", correcting / n);
        m.put("length_mean", lengthSum / n);
        m.put("length_max", lengthMax);
        m.put("clipped_share", cut / n);
        m.put("zero_spread_share", zeroSpread / sampled.size());
    }

    private static Map<String, Double> headline(Map<String, Double> m) {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("reward", m.get("reward"));
        h.put("acc", m.get("accuracy"));
        h.put("think", m.get("think_rate"));
        h.put("check", m.get("check_rate"));
        h.put("len", m.get("length_mean"));
        return h;
    }

    // ---------------------------------------------------------------------------------------------
    // Run directory

    private void writeSamples(long step, List<Group> sampled) {
        if (config.samplesPerStep() == 0) {
            return;
        }
        StringBuilder lines = new StringBuilder();
        int written = 0;
        for (Group group : sampled) {
            for (int j = 0; j < group.completions().size() && written < config.samplesPerStep(); j++, written++) {
                RewardResult r = group.results()[j];
                ObjectNode o = JSON.createObjectNode().put("step", step).put("problem", group.problem().id())
                        .put("prompt", group.problem().prompt()).put("answer", group.problem().answer())
                        .put("completion", group.completions().get(j).text()).put("reward", r.score())
                        .put("correct", r.correct()).put("extracted", r.extracted());
                lines.append(o).append('\n');
            }
            if (written >= config.samplesPerStep()) {
                break;
            }
        }
        if (lines.length() > 0) {
            RunDirectory.appendLine(runDir.resolve("samples.jsonl"), lines.substring(0, lines.length() - 1));
        }
    }

    private Path checkpoint(long step) {
        Provenance provenance = Provenance.of(config.seed(), "grpo step " + step, "", JSON.valueToTree(config),
                Map.of("step", Long.toString(step)));
        return run.checkpoint(step, Map.of(), new TrainingRun.ModelFiles(tokenizer, template, provenance));
    }
}
