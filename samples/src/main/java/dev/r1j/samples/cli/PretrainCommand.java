package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.tasks.TaskSpec;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.ModelFamily;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.report.LineChart;
import dev.r1j.report.MetricsTable;
import dev.r1j.rewards.tasks.CheckStyle;
import dev.r1j.rl.train.PretrainCorpus;
import dev.r1j.rl.train.SlipPlan;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TrainingExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j pretrain}: a base model from scratch on the synthetic corpus with latent reasoning. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Trains a base model from scratch by next-token prediction on the synthetic corpus (arithmetic "
                + "and Countdown, a share of examples with worked solutions in <think> tags). Re-running the same "
                + "command resumes from the last checkpoint in OUT/run. The config (JSON or YAML) has three sections; "
                + "every field is optional and shown here with its default:",
            "  model:    family qwen2, hidden 128, intermediate 512, layers 4, heads 4, kv_heads 2, max_positions 256,",
            "            tied true, seed 0",
            "  corpus:   tasks {mul2x2: 80000, expr3-4: 80000, countdown4: 20000} (task name: problem count; names",
            "            are mulAxB, exprMIN-MAX[:TOP], countdownN[:TOP]), think_share 0.25, check_share 0 (share of",
            "            worked solutions that check each step), slip_share 0.5 (share of those with one slip, found",
            "            and redone), check_style INVERSE (or SPLIT: sums and products recomputed in easier parts;",
            "            SPLIT_COMPARED: SPLIT with the number to match beside each check's result),",
            "            slips ONE (or EACH_STEP: slip_share is then the share of steps that slip), mask_slips false",
            "            (true: slipped results are not learned), seed 1, eval_problems 400",
            "  training: batch_size 8, sequence_length 256, gradient_accumulation 1, steps 1000, learning_rate 1e-3,",
            "            min_learning_rate learning_rate/10, warmup_steps 50, weight_decay 0.01, clip_norm 1.0,",
            "            eval_every 100, checkpoint_every 200, log_every 10, seed 0, logits_chunk 1024,",
            "            gradient_checkpointing false",
            "The final model is written to OUT/model (Hugging Face layout, with tokenizer, prompt template and provenance)."})
final class PretrainCommand implements Callable<Integer> {

    /** The default corpus: the two halves of the {@code arith} task, and some Countdown. */
    static final Map<String, Integer> DEFAULT_TASKS = defaultTasks();

    private static Map<String, Integer> defaultTasks() {
        Map<String, Integer> tasks = new java.util.LinkedHashMap<>();
        tasks.put("mul2x2", 80_000);
        tasks.put("expr3-4", 80_000);
        tasks.put("countdown4", 20_000);
        return java.util.Collections.unmodifiableMap(tasks);
    }

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "JSON or YAML settings.")
    Path config;

    @Mixin
    SupervisedRunOptions run;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path out = run.out;
        ConfigFile file = ConfigFile.read(config);
        file.rejectUnknown(TOP_FIELDS);
        ConfigFile m = file.section("model", MODEL_FIELDS);
        ConfigFile c = file.section("corpus", CORPUS_FIELDS);
        ConfigFile t = file.section("training", TRAINING_FIELDS);

        PretrainCorpus corpus;
        PretrainCorpus evalCorpus;
        SupervisedConfig training;
        try {
            corpus = corpusSection(c);
            int evalProblems = c.integer("eval_problems", 400);
            if (evalProblems < 0) {
                throw ConfigFile.error(config, "corpus.eval_problems", "must be >= 0, was " + evalProblems);
            }
            evalCorpus = evalProblems == 0 ? null : corpus.resized(evalProblems, corpus.seed() + 1_000_003L);
            training = trainingSection(t, run.steps);
        } catch (IllegalArgumentException e) {
            throw e instanceof BadInputException b ? b : BadInputException.at(config, 0, null, e.getMessage());
        }

        PromptTemplate template = PromptTemplate.DEFAULT;
        List<PretrainCorpus.Document> docs = corpus.maskedDocuments(template);
        List<PretrainCorpus.Document> evalDocs = evalCorpus == null ? List.of() : evalCorpus.maskedDocuments(template);
        CharVocabulary vocab = CharVocabulary.builder().addTokens("<think>", "</think>", "<answer>", "</answer>")
                .addCharacters(InitCommand.DEFAULT_ALPHABET);
        docs.forEach(d -> vocab.addCharacters(d.text()));
        Path tokDir = out.resolve("tokenizer");
        HfTokenizer tok = vocab.writeTo(tokDir);

        TransformerConfig modelConfig;
        try {
            ModelFamily family = ModelFamily.fromModelType(m.text("family", "qwen2")).orElseThrow(() ->
                    ConfigFile.error(config, "model.family", "must be one of " + ModelFamily.supportedModelTypes()));
            modelConfig = TransformerConfig.builder().family(family).vocabSize(tok.vocabSize()).hiddenSize(m.integer("hidden", 128))
                    .intermediateSize(m.integer("intermediate", 512)).numHiddenLayers(m.integer("layers", 4))
                    .numAttentionHeads(m.integer("heads", 4)).numKeyValueHeads(m.integer("kv_heads", 2))
                    .maxPositionEmbeddings(m.integer("max_positions", 256)).tieWordEmbeddings(m.bool("tied", true))
                    .eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ConfigFile.error(config, "model", e.getMessage());
        }
        if (training.sequenceLength() > modelConfig.maxPositionEmbeddings()) {
            throw ConfigFile.error(config, "training.sequence_length", "(" + training.sequenceLength()
                    + ") exceeds model.max_positions (" + modelConfig.maxPositionEmbeddings() + ")");
        }

        var err = spec.commandLine().getErr();
        try (CausalLm model = CausalLm.randomInit(modelConfig, m.longValue("seed", 0))) {
            err.printf("pretrain: %,d parameters, %,d documents (%,d for evaluation), vocabulary %d%n",
                    modelConfig.parameterCount(), docs.size(), evalDocs.size(), tok.vocabSize());
            err.flush();
            SupervisedTrainer trainer = new SupervisedTrainer(model, training, out.resolve("run"), tok.padId(),
                    new ConsoleProgress(err, "pretrain: "));
            SupervisedTrainer.Result result = trainer.train(examples(docs, tok), examples(evalDocs, tok));
            var runConfig = file.json().deepCopy();
            Checkpoint.write(out.resolve("model"), model, tok, template, Provenance.of(training.seed(),
                    Invocation.of(spec), "",
                    runConfig, Map.of("steps", Long.toString(result.steps()), "tokens", Long.toString(result.tokens()),
                            "final_loss", Double.toString(result.lastLoss()), "eval_loss", Double.toString(result.evalLoss()))));
            Path chart = writeLossChart(out.resolve("run"));
            err.println("pretrain: loss curve in " + chart);
            spec.commandLine().getOut().printf("wrote %s after %d steps: loss %.4f%s%n", out.resolve("model"),
                    result.steps(), result.lastLoss(), Double.isNaN(result.evalLoss()) ? ""
                            : String.format(", eval loss %.4f", result.evalLoss()));
            spec.commandLine().getOut().flush();
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(tokDir);
        }
        return R1j.EXIT_OK;
    }

    /** Top-level sections of a config file. */
    static final Set<String> TOP_FIELDS = Set.of("model", "corpus", "training");

    /** Fields of the {@code model} section. */
    static final Set<String> MODEL_FIELDS = Set.of("family", "hidden", "intermediate", "layers", "heads", "kv_heads",
            "max_positions", "tied", "seed");

    /** Fields of the {@code corpus} section. */
    static final Set<String> CORPUS_FIELDS = Set.of("tasks", "think_share", "check_share", "slip_share", "check_style",
            "slips", "mask_slips", "seed", "eval_problems");

    /** Fields of a {@code training} section (pre-training and SFT share them). */
    static final Set<String> TRAINING_FIELDS = Set.of("batch_size", "sequence_length", "gradient_accumulation", "steps",
            "learning_rate", "min_learning_rate", "warmup_steps", "weight_decay", "clip_norm", "eval_every",
            "checkpoint_every", "log_every", "seed", "logits_chunk", "gradient_checkpointing");

    /** The corpus of a {@code corpus} section, with the defaults {@code --help} documents ({@code eval_problems} aside). */
    static PretrainCorpus corpusSection(ConfigFile c) {
        List<PretrainCorpus.Part> parts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : c.counts("tasks", DEFAULT_TASKS).entrySet()) {
            try {
                parts.add(new PretrainCorpus.Part(TaskSpec.parse(e.getKey()), e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw ConfigFile.error(c.file(), "corpus.tasks." + e.getKey(), bad.getMessage());
            }
        }
        return new PretrainCorpus(parts, share(c, "think_share", 0.25), share(c, "check_share", 0),
                share(c, "slip_share", 0.5), c.longValue("seed", 1), c.choice("check_style", CheckStyle.INVERSE),
                c.choice("slips", SlipPlan.ONE), c.bool("mask_slips", false));
    }

    /**
     * The share {@code corpus.NAME}. {@link PretrainCorpus} holds the rule; it is read here too so that a
     * share out of range is reported at its own line and field, as a person fixing the file needs.
     */
    private static double share(ConfigFile c, String name, double fallback) {
        double v = c.number(name, fallback);
        if (!(v >= 0 && v <= 1)) {
            throw ConfigFile.error(c.file(), "corpus." + name, "must be a share in [0, 1], was " + v);
        }
        return v;
    }

    /** A {@code training} section with the defaults {@code --help} documents; {@code steps} overrides when not null. */
    static SupervisedConfig trainingSection(ConfigFile t, Long steps) {
        double lr = t.number("learning_rate", 1e-3);
        return new SupervisedConfig(t.integer("batch_size", 8), t.integer("sequence_length", 256),
                t.integer("gradient_accumulation", 1), steps != null ? steps : t.longValue("steps", 1000), lr,
                t.number("min_learning_rate", lr / 10), t.longValue("warmup_steps", 50), t.number("weight_decay", 0.01),
                t.number("clip_norm", 1.0), t.integer("eval_every", 100), t.integer("checkpoint_every", 200),
                t.integer("log_every", 10), t.longValue("seed", 0))
                .withLogitsChunk(t.integer("logits_chunk", dev.r1j.rl.model.CausalLm.DEFAULT_LOGITS_CHUNK))
                .withGradientCheckpointing(t.bool("gradient_checkpointing", false));
    }

    /** {@code RUN/loss.png}: training and evaluation loss against step, from {@code metrics.jsonl}. */
    static Path writeLossChart(Path runDir) {
        MetricsTable m = MetricsTable.read(runDir.resolve("metrics.jsonl"));
        double[] step = m.column("step");
        Path file = runDir.resolve("loss.png");
        new LineChart("Pre-training loss", "step", "loss (nats/token)").with("train", step, m.column("loss"))
                .with("eval", step, m.column("eval_loss")).writePng(file, 800, 450);
        return file;
    }

    /**
     * Each document's tokens and an end-of-sequence token; a document with unlearned spans is encoded
     * piece by piece (the text between spans, each span), so that the spans' tokens can be marked,
     * which for r1j's character tokenizer gives the tokens of the whole text (a span never cuts a tag).
     */
    static List<TrainingExample> examples(List<PretrainCorpus.Document> docs, HfTokenizer tok) {
        List<TrainingExample> out = new ArrayList<>(docs.size());
        for (PretrainCorpus.Document d : docs) {
            // Piece i runs from bounds[i] to bounds[i + 1]: odd pieces are the unlearned spans.
            int[] bounds = new int[2 * d.unlearned().size() + 2];
            for (int i = 0; i < d.unlearned().size(); i++) {
                bounds[2 * i + 1] = d.unlearned().get(i).start();
                bounds[2 * i + 2] = d.unlearned().get(i).end();
            }
            bounds[bounds.length - 1] = d.text().length();
            int[][] pieces = new int[bounds.length - 1][];
            int n = 1;                                                             // the end-of-sequence token
            for (int i = 0; i < pieces.length; i++) {
                pieces[i] = tok.encode(d.text().substring(bounds[i], bounds[i + 1]));
                n += pieces[i].length;
            }
            int[] ids = new int[n];
            boolean[] learned = new boolean[n];
            int at = 0;
            for (int i = 0; i < pieces.length; i++) {
                System.arraycopy(pieces[i], 0, ids, at, pieces[i].length);
                java.util.Arrays.fill(learned, at, at + pieces[i].length, i % 2 == 0);
                at += pieces[i].length;
            }
            ids[n - 1] = tok.eosId();
            learned[n - 1] = true;
            out.add(d.masked() ? TrainingExample.masked(ids, learned) : new TrainingExample(ids, 0));
        }
        return out;
    }
}
