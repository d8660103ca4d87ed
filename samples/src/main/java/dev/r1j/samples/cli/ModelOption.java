package dev.r1j.samples.cli;

import dev.r1j.distill.onnx.OnnxModel;
import dev.r1j.distill.onnx.OrtGenerator;
import dev.r1j.distill.onnx.OrtRolloutGenerator;
import dev.r1j.distill.onnx.WeightFeed;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.HfHubCache;
import dev.r1j.rl.generate.DjlGenerator;
import dev.r1j.rl.generate.Generator;
import dev.r1j.rl.grpo.RolloutEngine;
import dev.r1j.rl.lora.LoraDirectory;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --model} option shared by every command that runs a model. */
final class ModelOption {

    @Option(names = "--model", required = true, paramLabel = "REF",
            description = "A model directory in Hugging Face layout (config.json, model.safetensors or a sharded "
                    + "index, tokenizer.json), or builtin:NAME for a model r1j ships (arith-teacher-base, "
                    + "arith-teacher-rl, arith-student-base, arith-student-distilled). generate, eval, traces and logits also take an ONNX "
                    + "model: FILE.onnx, or a directory with model.onnx and no safetensors (r1j export-onnx or Optimum "
                    + "layout, tokenizer.json beside it); it runs on ONNX Runtime. An adapter directory "
                    + "(adapter_config.json, PEFT's layout) runs on the base its base_model_name_or_path names. A Hugging "
                    + "Face model id ORG/NAME that is not a local path is looked up, offline, in the Hugging Face cache "
                    + "($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
    String model;

    /**
     * Whether the option names an ONNX model: a path ending in {@code .onnx}, or a directory holding
     * {@code model.onnx} and no safetensors weights (a checkpoint directory with both runs on DJL).
     */
    boolean isOnnx() {
        if (BuiltinModels.isBuiltin(model)) {
            return false;
        }
        if (model.endsWith(".onnx")) {
            return true;
        }
        Path p = local();
        return Files.isDirectory(p) && Files.exists(p.resolve(OnnxModel.DEFAULT_FILE))
                && !Files.exists(p.resolve("model.safetensors")) && !Files.exists(p.resolve("model.safetensors.index.json"));
    }

    /** Whether the option names a LoRA adapter directory (adapter_config.json) rather than a full model. */
    boolean isAdapter() {
        return !isOnnx() && LoraDirectory.isAdapterDirectory(directory());
    }

    /** The directory the option names, checked to exist; a built-in model is extracted to the cache first. */
    Path directory() {
        if (isOnnx()) {
            throw new BadInputException("--model " + model + ": an ONNX model runs with generate, eval, traces and logits; "
                    + "this command needs a model directory with safetensors weights");
        }
        Path dir = BuiltinModels.resolve(model);
        if (!Files.exists(dir)) {
            throw new BadInputException("--model " + model + ": no such directory"
                    + HfHubCache.fromEnvironment().whereItLooked(model).map(m -> "; " + m).orElse(""));
        }
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("--model " + model + ": not a directory (expected a model directory with "
                    + "config.json, model.safetensors and tokenizer.json, or an .onnx file)");
        }
        return dir;
    }

    /** The path the option names: itself, or the cached snapshot of a Hugging Face model id. */
    private Path local() {
        return BuiltinModels.resolve(model);
    }

    /** Loads the checkpoint: config, weights, tokenizer and, where present, prompt template and provenance. */
    Checkpoint load() {
        return Checkpoint.load(directory());
    }

    /** Loads the model for generation: a checkpoint on DJL, or an ONNX model on ONNX Runtime. */
    LoadedModel open() {
        if (isOnnx()) {
            OnnxModel m = OnnxModel.load(local());
            try {
                m.tokenizer(); // fail now, naming the expected tokenizer path
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            return new LoadedModel() {
                @Override
                public Generator generator() {
                    return new OrtGenerator(m);
                }

                @Override
                public Generator generator(RolloutEngine engine) {
                    if (engine == RolloutEngine.DJL) {
                        throw new BadInputException("--engine DJL needs a checkpoint (safetensors); " + local()
                                + " is an ONNX model, which runs on ONNX Runtime only");
                    }
                    return generator();
                }

                @Override
                public Tokenizer tokenizer() {
                    return m.tokenizer();
                }

                @Override
                public Optional<PromptTemplate> template() {
                    return m.template();
                }

                @Override
                public int maxPositions() {
                    return m.maxPositions();
                }

                @Override
                public String sha256() {
                    return m.sha256();
                }

                @Override
                public long parameterCount() {
                    try {
                        return TransformerConfig.read(m.directory().resolve("config.json")).parameterCount();
                    } catch (RuntimeException e) {
                        return 0; // a config r1j cannot read: the ledger books no FLOPs rather than wrong ones
                    }
                }

                @Override
                public void close() {
                    m.close();
                }
            };
        }
        Path dir = directory();
        Checkpoint cp = Checkpoint.load(dir);
        return new LoadedModel() {
            @Override
            public Generator generator() {
                return new DjlGenerator(cp.model(), cp.tokenizer());
            }

            @Override
            public Generator generator(RolloutEngine engine) {
                return switch (engine) {
                    case DJL -> generator();
                    // The weights never change here, so they are pre-packed once: the faster feed.
                    case ONNX_RUNTIME -> new OrtRolloutGenerator(cp.model(), cp.tokenizer(), OrtGenerator.DEFAULT_MAX_BATCH_SIZE,
                            WeightFeed.EXTERNAL_INITIALIZERS, 0);
                };
            }

            @Override
            public Tokenizer tokenizer() {
                return cp.tokenizer();
            }

            @Override
            public Optional<PromptTemplate> template() {
                return cp.template();
            }

            @Override
            public int maxPositions() {
                return cp.config().maxPositionEmbeddings();
            }

            @Override
            public String sha256() {
                return Checkpoint.sha256(dir);
            }

            @Override
            public long parameterCount() {
                return cp.config().parameterCount();
            }

            @Override
            public void close() {
                cp.close();
            }
        };
    }

    /** A model ready to generate, whichever engine runs it. */
    interface LoadedModel extends AutoCloseable {
        /** A new generator over the model on its own engine (close it before the model). */
        Generator generator();

        /**
         * A new generator on {@code engine}: a checkpoint runs on either (on ONNX Runtime through an
         * in-memory graph of its weights), an ONNX model on ONNX Runtime only.
         */
        Generator generator(RolloutEngine engine);

        Tokenizer tokenizer();

        Optional<PromptTemplate> template();

        /** The longest sequence the model accepts. */
        int maxPositions();

        /** The model's identity for provenance: checkpoint SHA-256, or the .onnx file's. */
        String sha256();

        /** Parameters, for the FLOPs of cost ledgers; 0 when unknown (an ONNX model without a readable config.json). */
        long parameterCount();

        @Override
        void close();
    }
}
