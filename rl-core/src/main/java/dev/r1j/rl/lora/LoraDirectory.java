package dev.r1j.rl.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.checkpoint.SafeTensorsFile;
import dev.r1j.rl.checkpoint.SafeTensorsWriter;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.HostWeights;
import dev.r1j.rl.tokenizer.PromptTemplate;
import dev.r1j.rl.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An adapter directory as PEFT writes one: {@value #CONFIG_FILE} (PEFT's field names),
 * {@value #WEIGHTS_FILE} (PEFT's tensor names, A [r, in] and B [out, r]) and, when written by r1j,
 * the tokenizer files, the prompt template and {@code provenance.json} (which records a built-in
 * base's name and SHA-256). A directory is an adapter directory when it holds {@value #CONFIG_FILE}.
 */
public final class LoraDirectory {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** Keys of provenance {@code extra} that name the base model. */
    public static final String PROVENANCE_BASE = "lora_base";
    public static final String PROVENANCE_BASE_BUILTIN = "lora_base_builtin";
    public static final String PROVENANCE_BASE_SHA256 = "lora_base_sha256";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LoraDirectory() {}

    /** Whether {@code dir} is an adapter directory (it holds {@value #CONFIG_FILE}). */
    public static boolean isAdapterDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes an adapter directory atomically: assembled beside {@code dir} and renamed into place.
     *
     * @param template   the prompt template to keep with the adapter, or null
     * @param provenance where the adapter came from, or null; the base is added to its extra facts
     */
    public static void write(Path dir, LoraAdapter adapter, Tokenizer tokenizer, PromptTemplate template,
                             Provenance provenance) {
        AtomicFiles.replaceDirectory(dir, tmp -> writeFiles(tmp, adapter, tokenizer, template, provenance));
    }

    /**
     * Writes every file of an adapter directory into {@code dir}, which must exist, without the atomic
     * rename: for callers that add their own files (optimiser state) to one atomically published
     * directory. {@code tokenizer}, {@code template} and {@code provenance} may be null.
     */
    public static void writeFiles(Path dir, LoraAdapter adapter, Tokenizer tokenizer, PromptTemplate template,
                                  Provenance provenance) {
        writeAdapterFiles(dir, adapter);
        if (tokenizer != null) {
            tokenizer.writeTo(dir);
        }
        if (template != null) {
            template.writeTo(dir);
        }
        if (provenance != null) {
            withBase(provenance, adapter.base()).writeTo(dir);
        }
    }

    /** Writes {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE} into {@code dir}, each atomically. */
    public static void writeAdapterFiles(Path dir, LoraAdapter adapter) {
        Map<String, float[]> tensors = adapter.peftTensors();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            for (float v : e.getValue()) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("refusing to write an adapter with NaN or infinite values ("
                            + e.getKey() + ") to " + dir);
                }
            }
        }
        try {
            AtomicFiles.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(configJson(adapter)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafeTensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, LoraAdapter.peftShapes(adapter.config(),
                adapter.model()), Map.of("format", "pt"));
    }

    /** {@value #CONFIG_FILE} with PEFT's field names and the values PEFT would write for this adapter. */
    static ObjectNode configJson(LoraAdapter adapter) {
        LoraConfig c = adapter.config();
        ObjectNode o = JSON.createObjectNode();
        o.put("peft_type", "LORA");
        o.put("task_type", "CAUSAL_LM");
        Optional<LoraBase> base = adapter.base();
        if (base.isPresent()) {
            o.put("base_model_name_or_path", base.get().directory().toString());
        } else {
            o.putNull("base_model_name_or_path");
        }
        o.put("r", c.rank());
        if (c.alpha() == Math.rint(c.alpha()) && Math.abs(c.alpha()) < 1 << 30) {
            o.put("lora_alpha", (int) c.alpha());
        } else {
            o.put("lora_alpha", c.alpha());
        }
        o.put("lora_dropout", c.dropout());
        ArrayNode targets = o.putArray("target_modules");
        c.targetModules().forEach(t -> targets.add(t.peftName()));
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.put("use_rslora", false);
        o.put("use_dora", false);
        o.putNull("modules_to_save");
        o.putNull("layers_to_transform");
        o.putNull("layers_pattern");
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        o.putNull("revision");
        return o;
    }

    private static Provenance withBase(Provenance p, Optional<LoraBase> base) {
        if (base.isEmpty()) {
            return p;
        }
        Map<String, String> extra = new LinkedHashMap<>(p.extra());
        extra.put(PROVENANCE_BASE, base.get().directory().toString());
        base.get().builtinName().ifPresent(n -> extra.put(PROVENANCE_BASE_BUILTIN, n));
        base.get().sha256().ifPresent(h -> extra.put(PROVENANCE_BASE_SHA256, h));
        return new Provenance(p.libraryVersion(), p.created(), p.seed(), p.command(), p.parentSha256(), p.config(), extra);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * The adapter settings in {@code dir}'s {@value #CONFIG_FILE}. What r1j does not implement is
     * refused naming the field: a {@code peft_type} other than LORA, biases, {@code fan_in_fan_out},
     * rsLoRA, DoRA, per-module rank or alpha patterns, extra trained modules, layer selections, and
     * target modules other than the seven projections.
     */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        JsonNode o = readJson(file);
        String type = o.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw error(file, "peft_type", "must be \"LORA\" (the only adapter type r1j runs), was " + o.get("peft_type"));
        }
        JsonNode r = o.get("r");
        if (r == null || !r.isIntegralNumber() || !r.canConvertToInt()) {
            throw error(file, "r", "must be an integer rank, was " + r);
        }
        if (r.asInt() <= 0) {
            throw error(file, "r", "must be > 0, was " + r.asInt());
        }
        JsonNode alpha = o.get("lora_alpha");
        if (alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0)) {
            throw error(file, "lora_alpha", "must be a positive number, was " + alpha);
        }
        JsonNode dropout = o.get("lora_dropout");
        if (dropout != null && !dropout.isNull() && (!dropout.isNumber() || !(dropout.asDouble() >= 0 && dropout.asDouble() < 1))) {
            throw error(file, "lora_dropout", "must be a number in [0, 1), was " + dropout);
        }
        String bias = o.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw error(file, "bias", "must be \"none\": r1j's adapters train no biases, was \"" + bias + "\"");
        }
        for (String flag : List.of("fan_in_fan_out", "use_rslora", "use_dora")) {
            if (o.path(flag).asBoolean(false)) {
                throw error(file, flag, "must be false: r1j does not implement it");
            }
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = o.get(pattern);
            if (p != null && !p.isNull() && !p.isEmpty()) {
                throw error(file, pattern, "must be empty: r1j uses one r and lora_alpha for every module");
            }
        }
        for (String selection : List.of("modules_to_save", "layers_to_transform")) {
            JsonNode p = o.get(selection);
            if (p != null && !p.isNull() && !(p.isArray() && p.isEmpty())) {
                throw error(file, selection, "must be null: r1j adapts every layer and trains no other modules");
            }
        }
        return LoraConfig.builder().rank(r.asInt()).alpha(alpha.asDouble())
                .dropout(dropout == null || dropout.isNull() ? 0 : dropout.asDouble())
                .targetModules(targets(file, o.get("target_modules"))).build();
    }

    /** {@code target_modules}: a list of PEFT module names, or {@code "all-linear"} (every projection of the blocks). */
    private static Set<LoraTarget> targets(Path file, JsonNode n) {
        if (n != null && n.isTextual() && n.asText().equals("all-linear")) {
            return EnumSet.allOf(LoraTarget.class);
        }
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw error(file, "target_modules", "must be a non-empty list of module names from " + LoraTarget.peftNames()
                    + " (or \"all-linear\"), was " + n);
        }
        Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
        for (JsonNode t : n) {
            out.add(LoraTarget.fromPeftName(t.asText()).orElseThrow(() -> error(file, "target_modules", "names unknown module "
                    + t + "; r1j adapts " + LoraTarget.peftNames())));
        }
        return out;
    }

    /**
     * The base model of adapter directory {@code dir}: {@code explicitBase} when given, else the
     * directory {@value #CONFIG_FILE}'s {@code base_model_name_or_path} names, else (when that
     * directory is gone) the built-in model its provenance names. The built-in name and SHA-256 are
     * taken from the provenance when present.
     */
    public static LoraBase base(Path dir, Path explicitBase) {
        Path file = dir.resolve(CONFIG_FILE);
        Map<String, String> extra = Files.exists(dir.resolve(Provenance.FILE)) ? Provenance.readFrom(dir).extra() : Map.of();
        Optional<String> builtin = Optional.ofNullable(extra.get(PROVENANCE_BASE_BUILTIN));
        Optional<String> sha = Optional.ofNullable(extra.get(PROVENANCE_BASE_SHA256));
        Path base;
        if (explicitBase != null) {
            base = explicitBase;
            if (!Files.isDirectory(base)) {
                throw new BadInputException("--base " + base + ": not a model directory");
            }
            builtin = Optional.empty();
            sha = Optional.empty();
        } else {
            JsonNode named = readJson(file).get("base_model_name_or_path");
            Path recorded = named == null || !named.isTextual() || named.asText().isBlank() ? null : Path.of(named.asText());
            if (recorded != null && Files.isDirectory(recorded)) {
                base = recorded;
            } else if (builtin.isPresent()) {
                base = BuiltinModels.resolve(BuiltinModels.PREFIX + builtin.get());
            } else {
                throw error(file, "base_model_name_or_path", (named == null || named.isNull() ? "is not set"
                        : "names " + named + ", which is not a model directory here")
                        + "; give the base model directory with --base DIR");
            }
        }
        if (isAdapterDirectory(base)) {
            throw BadInputException.at(base, 0, null, "is an adapter directory itself; an adapter's base must be a full model");
        }
        return new LoraBase(base, builtin, sha);
    }

    /**
     * Reads the adapter of directory {@code dir} onto {@code model} (its base, described by
     * {@code base}) and attaches it, checking every tensor's name and shape against the base.
     *
     * @throws BadInputException naming the file and the tensor on any mismatch
     */
    public static LoraAdapter attach(CausalLm model, Path dir, LoraBase base) {
        LoraConfig config = readConfig(dir);
        Path weights = weightsFile(dir);
        try (SafeTensorsFile f = SafeTensorsFile.open(weights)) {
            return LoraAdapter.fromPeft(model, config, base, hostWeights(f), weights);
        }
    }

    /** Replaces {@code adapter}'s values with those in adapter directory {@code dir} (a resumed run's checkpoint). */
    public static void loadWeights(LoraAdapter adapter, Path dir) {
        LoraConfig stored = readConfig(dir);
        if (!stored.equals(adapter.config())) {
            throw BadInputException.at(dir.resolve(CONFIG_FILE), 0, null, "holds an adapter with " + stored
                    + " but the run trains one with " + adapter.config());
        }
        Path weights = weightsFile(dir);
        try (SafeTensorsFile f = SafeTensorsFile.open(weights)) {
            adapter.load(hostWeights(f), weights);
        }
    }

    private static Path weightsFile(Path dir) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.exists(weights)) {
            throw BadInputException.at(dir, 0, null, "holds " + CONFIG_FILE + " but no " + WEIGHTS_FILE
                    + " (r1j reads adapters in safetensors only)");
        }
        return weights;
    }

    private static HostWeights hostWeights(SafeTensorsFile f) {
        return new HostWeights() {
            @Override
            public Set<String> names() {
                return f.names();
            }

            @Override
            public long[] shape(String name) {
                return f.info(name).shape();
            }

            @Override
            public float[] read(String name) {
                return f.readFloats(name);
            }
        };
    }

    private static JsonNode readJson(Path file) {
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw BadInputException.at(file, 0, null, "cannot read as JSON: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw BadInputException.at(file, 0, null, "must be a JSON object");
        }
        return o;
    }

    /** An error about {@code field} of {@code file}, at the line where the field is written (0 when not found). */
    private static BadInputException error(Path file, String field, String problem) {
        int line = 0;
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("\"" + field + "\"")) {
                    line = i + 1;
                    break;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            line = 0;
        }
        return BadInputException.at(file, line, field, problem);
    }
}
