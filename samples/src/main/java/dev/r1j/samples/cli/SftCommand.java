package dev.r1j.samples.cli;

import dev.r1j.distill.sft.ChatExamples;
import dev.r1j.distill.sft.TraceExamples;
import dev.r1j.distill.traces.Trace;
import dev.r1j.distill.traces.TraceGenerator;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.chat.ChatMessages;
import dev.r1j.rl.chat.ChatTemplate;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.Precision;
import dev.r1j.rl.run.MemoryEstimate;
import dev.r1j.rl.run.RunLock;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.train.SupervisedConfig;
import dev.r1j.rl.train.RowSource;
import dev.r1j.rl.train.SequencePacker;
import dev.r1j.rl.train.SupervisedTrainer;
import dev.r1j.rl.train.TokenLoss;
import dev.r1j.rl.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j sft}: a student fine-tuned on teacher traces, loss on completion tokens only. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = {"Supervised fine-tuning of a student (--model, e.g. builtin:arith-student-base) on traces "
                + "written by r1j traces: each example is the prompt, the teacher's completion and end-of-sequence, "
                + "with the loss on the completion only; examples are packed. --traces may instead be chat data, "
                + "messages JSONL ({\"messages\": [{\"role\", \"content\"}, ...]} a line): each conversation is "
                + "rendered through the model's chat template with the loss on the assistant turns only (their content "
                + "and end token); the config may then hold a prompt section with variables and date (strftime_now). Writes OUT/run (metrics, checkpoints, "
                + "loss.png) and OUT/model; re-running continues from the last checkpoint.",
            "The optional --config (JSON or YAML) has one section, training, with the fields and defaults of "
                + "r1j pretrain's training section: batch_size 8, sequence_length 256, gradient_accumulation 1, steps "
                + "1000, learning_rate 1e-3, min_learning_rate learning_rate/10, warmup_steps 50, weight_decay 0.01, "
                + "clip_norm 1.0, eval_every 100, checkpoint_every 200, log_every 10, seed 0, logits_chunk 1024, gradient_checkpointing false. A tenth of the traces "
                + "(at most 200) is held out for the evaluation loss."})
final class SftCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Mixin
    TraceTrainingOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return trainOnTraces(spec, model, options, "sft", (student, training) -> TokenLoss.CROSS_ENTROPY, Map.of());
    }

    /**
     * Trains {@code model} on {@code traces} with {@code loss} (made once the student is loaded, from it and
     * the training settings),
     * writing OUT/run and OUT/model: the flow {@code r1j sft} and {@code r1j distill} share.
     */
    static int trainOnTraces(CommandSpec spec, ModelOption model, TraceTrainingOptions options, String command,
                             java.util.function.BiFunction<Checkpoint, SupervisedConfig, TokenLoss> loss, Map<String, String> extra) {
        return trainOnTraces(spec, model, options, command, loss, extra, (student, training, traces, rows) -> rows, null, 0);
    }

    /** How a command turns the traces' packed rows into what the trainer reads (on-policy distillation adds samples). */
    @FunctionalInterface
    interface Rows {
        RowSource of(Checkpoint student, SupervisedConfig training, List<Trace> traces, RowSource packedTraces);
    }

    /**
     * @param teacher     the distillation teacher (frozen: stored in the run's precision, and counted in the
     *                    memory estimate); null for none
     * @param teacherTopK the teacher's kept tokens per position (0: whole distributions)
     */
    static int trainOnTraces(CommandSpec spec, ModelOption model, TraceTrainingOptions options, String command,
                             java.util.function.BiFunction<Checkpoint, SupervisedConfig, TokenLoss> loss, Map<String, String> extra, Rows rows,
                             CausalLm teacher, int teacherTopK) {
        Path traces = options.traces;
        Path config = options.config;
        Path out = options.run.out;
        if (!Files.exists(traces)) {
            throw BadInputException.at(traces, 0, null, "no such file");
        }
        SupervisedConfig training;
        ConfigFile file = config == null ? null : ConfigFile.read(config);
        Optional<LoraConfig> lora;
        Precision precision;
        // A messages JSONL file ({"messages": [...]} a line) is chat data: rendered through the model's chat template.
        boolean chat = ChatMessages.looksLikeMessagesJsonl(traces);
        PromptSettings prompt = PromptSettings.PLAIN;
        try {
            if (file != null) {
                file.rejectUnknown(chat ? Set.of("training", LoraSettings.SECTION, "prompt", PrecisionSettings.FIELD)
                        : Set.of("training", LoraSettings.SECTION, PrecisionSettings.FIELD));
                prompt = chat ? PromptSettings.read(file) : PromptSettings.PLAIN;
                if (prompt.chat() || prompt.system().isPresent()) {
                    throw ConfigFile.error(config, prompt.chat() ? "prompt.chat" : "prompt.system", "a messages file is "
                            + "always rendered through the chat template and carries its own system messages; the prompt "
                            + "section of sft takes variables and date");
                }
            }
            lora = LoraSettings.read(file, options.adapterOptions.loraRank);
            precision = PrecisionSettings.read(file, options.adapterOptions.precision);
            ConfigFile t = file == null ? ConfigFile.empty() : file.section("training", PretrainCommand.TRAINING_FIELDS);
            training = PretrainCommand.trainingSection(t, options.run.steps);
        } catch (BadInputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw config == null ? new BadInputException(e.getMessage()) : BadInputException.at(config, 0, "training", e.getMessage());
        }
        if (chat && !command.equals("sft")) {
            throw BadInputException.at(traces, 1, "messages", "chat messages train with r1j sft; " + command
                    + " needs traces from r1j traces");
        }
        List<Trace> all = chat ? List.of() : TraceGenerator.read(traces);
        List<ChatMessages.Conversation> conversations = chat ? ChatMessages.readJsonl(traces) : List.of();
        if (all.isEmpty() && conversations.isEmpty()) {
            throw BadInputException.at(traces, 0, null, chat ? "holds no conversations" : "holds no traces");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (RunLock lock = RunLock.acquire(out); Checkpoint cp = model.load()) {
            Optional<LoraAdapter> adapter = LoraSettings.attach(cp, model.model, model.directory(), lora, training.seed());
            PrecisionSettings.requireFrozen(precision, adapter.isPresent() || teacher != null,
                    PrecisionSettings.source(file, options.adapterOptions.precision), command);
            if (adapter.isPresent()) {
                PrecisionSettings.store(cp.model(), precision, "the frozen base", err, command + ": ");
            }
            if (teacher != null) {
                PrecisionSettings.store(teacher, precision, "the teacher", err, command + ": ");
            }
            List<TrainingExample> examples = chat
                    ? ChatExamples.of(conversations, traces, chatTemplate(model.directory()), cp.tokenizer(), prompt.variables(),
                            prompt.date().orElse(java.time.LocalDate.now(java.time.ZoneOffset.UTC)))
                    : TraceExamples.of(all, cp.tokenizer());
            int held = Math.min(200, examples.size() / 10);
            List<TrainingExample> train = examples.subList(held, examples.size());
            List<TrainingExample> eval = examples.subList(0, held);
            err.printf("%s: %s (%,d parameters) on %,d %s (%,d held out) from %s%n", command, model.model,
                    cp.model().config().parameterCount(), train.size(), chat ? "chat examples" : "traces", held, traces);
            MemoryNotice.print(err, command + ": ", MemoryEstimate.supervised(cp.model().config(), MemoryNotice.trainable(cp.model()),
                    training, teacher == null ? null : teacher.config(), teacherTopK), true);
            SupervisedTrainer trainer = new SupervisedTrainer(cp.model(), training, out.resolve("run"), cp.tokenizer().padId(),
                    new ConsoleProgress(err, command + ": "), loss.apply(cp, training));
            List<SequencePacker.Row> packed = SequencePacker.pack(train, training.sequenceLength(), cp.tokenizer().padId());
            RowSource source = rows.of(cp, training, all, RowSource.shuffled(packed, training.seed()));
            SupervisedTrainer.Result result = trainer.train(source, eval);
            PretrainCommand.writeLossChart(out.resolve("run"));
            Map<String, String> facts = new java.util.LinkedHashMap<>(extra);
            facts.put("steps", Long.toString(result.steps()));
            facts.put("traces", traces.toString());
            facts.put(chat ? "conversations_count" : "traces_count", Integer.toString(chat ? conversations.size() : all.size()));
            facts.put("tokens", Long.toString(result.tokens()));
            facts.put("eval_loss", Double.toString(result.evalLoss()));
            Provenance provenance = Provenance.of(training.seed(), Invocation.of(spec), Checkpoint.sha256(model.directory()),
                    new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(training), facts);
            if (adapter.isPresent()) {
                LoraDirectory.write(out.resolve("model"), adapter.get(), cp.tokenizer(),
                        cp.template().orElse(PromptTemplate.DEFAULT), provenance);
            } else {
                Checkpoint.write(out.resolve("model"), cp.model(), cp.tokenizer(), cp.template().orElse(PromptTemplate.DEFAULT),
                        provenance);
            }
            spec.commandLine().getOut().printf("wrote %s after %d steps: loss %.4f%s%n", out.resolve("model"), result.steps(),
                    result.lastLoss(), Double.isNaN(result.evalLoss()) ? "" : String.format(", eval loss %.4f", result.evalLoss()));
            spec.commandLine().getOut().flush();
        }
        return R1j.EXIT_OK;
    }

    private static ChatTemplate chatTemplate(Path modelDir) {
        return ChatTemplate.readFrom(modelDir).orElseThrow(() -> new BadInputException("--model " + modelDir + ": chat "
                + "messages need the model's chat template (chat_template in tokenizer_config.json, or chat_template.jinja)"));
    }
}
