package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.r1j.common.BadInputException;
import dev.r1j.rl.checkpoint.BuiltinModels;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.lora.LoraAdapter;
import dev.r1j.rl.lora.LoraBase;
import dev.r1j.rl.lora.LoraConfig;
import dev.r1j.rl.lora.LoraTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code lora:} section of the grpo, sft and distill configs and their {@code --lora-rank N}
 * flag: whether a run trains a LoRA adapter on a frozen base instead of every weight, and with which
 * settings. The section's fields are {@link LoraConfig}'s: rank, alpha, dropout, target_modules.
 */
final class LoraSettings {

    static final String SECTION = "lora";
    static final Set<String> FIELDS = Set.of("rank", "alpha", "dropout", "target_modules");

    private LoraSettings() {}

    /**
     * The settings of {@code file}'s {@code lora} section (file may be null) with {@code rankFlag}
     * (may be null) replacing the rank; alpha follows the rank (2 x rank) unless the section sets it.
     * Empty when neither asks for LoRA. Every broken rule is bad input naming the field.
     */
    static Optional<LoraConfig> read(ConfigFile file, Integer rankFlag) {
        return read(file, SECTION, rankFlag);
    }

    /**
     * As {@link #read(ConfigFile, Integer)} for the {@code lora} section of {@code file} (a top-level
     * file, or a section of one), whose dotted path in the file is {@code path} (for messages).
     */
    static Optional<LoraConfig> read(ConfigFile file, String path, Integer rankFlag) {
        JsonNode raw = file == null ? null : file.json().get(SECTION);
        boolean present = raw != null && !raw.isNull();
        if (!present && rankFlag == null) {
            return Optional.empty();
        }
        ConfigFile s = present ? file.section(SECTION, FIELDS) : ConfigFile.empty();
        LoraConfig.Builder b = LoraConfig.builder()
                .rank(rankFlag != null ? rankFlag : s.integer("rank", LoraConfig.builder().build().rank()))
                .dropout(s.number("dropout", 0));
        if (s.json().hasNonNull("alpha")) {
            b.alpha(s.number("alpha", 0));
        }
        if (s.json().hasNonNull("target_modules")) {
            b.targetModules(targets(file, path + ".target_modules", s.json().get("target_modules")));
        }
        try {
            LoraConfig c = b.build();
            c.checkTrainable();
            return Optional.of(c);
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().split(" ", 2)[0];
            if (rankFlag != null && field.equals("rank")) {
                throw new BadInputException("--lora-rank " + rankFlag + ": " + e.getMessage());
            }
            throw file == null || !present ? new BadInputException("lora: " + e.getMessage())
                    : ConfigFile.error(file.file(), path + "." + field, e.getMessage());
        }
    }

    /** {@code target_modules}: a list of PEFT module names (or one string of them, comma-separated). */
    private static List<LoraTarget> targets(ConfigFile file, String field, JsonNode n) {
        List<String> names = new ArrayList<>();
        if (n.isTextual()) {
            for (String part : n.asText().split(",")) {
                names.add(part.trim());
            }
        } else if (n.isArray()) {
            n.forEach(x -> names.add(x.asText()));
        } else {
            throw ConfigFile.error(file.file(), field, "must be a list of module names from "
                    + LoraTarget.peftNames() + ", was " + n);
        }
        List<LoraTarget> out = new ArrayList<>();
        for (String name : names) {
            out.add(LoraTarget.fromPeftName(name).orElseThrow(() -> ConfigFile.error(file.file(), field,
                    "names unknown module '" + name + "'; the modules are " + LoraTarget.peftNames())));
        }
        return out;
    }

    /** The section as a run's {@code config.json} records it, every field explicit. */
    static ObjectNode toJson(LoraConfig c) {
        ObjectNode o = new ObjectMapper().createObjectNode().put("rank", c.rank()).put("alpha", c.alpha())
                .put("dropout", c.dropout());
        var targets = o.putArray("target_modules");
        c.targetModules().forEach(t -> targets.add(t.peftName()));
        return o;
    }

    /**
     * Puts the run's adapter on the loaded model: a model loaded from an adapter directory trains that
     * adapter (a {@code lora} setting must then agree with it); otherwise {@code lora}, when present,
     * gets a fresh adapter seeded by {@code seed}, recording {@code modelRef}'s directory (and, for a
     * built-in model, its name and SHA-256) as the base. Empty for full fine-tuning.
     */
    static Optional<LoraAdapter> attach(Checkpoint cp, String modelRef, Path modelDir, Optional<LoraConfig> lora, long seed) {
        Optional<LoraAdapter> existing = LoraAdapter.of(cp.model());
        if (existing.isPresent()) {
            LoraConfig own = existing.get().config();
            if (lora.isPresent() && !lora.get().equals(own)) {
                throw new BadInputException("--model " + modelRef + " is an adapter with " + describe(own)
                        + "; the run's lora settings (" + describe(lora.get()) + ") must match it or be left out");
            }
            try {
                own.checkTrainable();
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--model " + modelRef + ": lora_dropout: " + e.getMessage());
            }
            return existing;
        }
        if (lora.isEmpty()) {
            return Optional.empty();
        }
        LoraBase base = BuiltinModels.isBuiltin(modelRef)
                ? new LoraBase(modelDir, Optional.of(modelRef.substring(BuiltinModels.PREFIX.length())),
                        Optional.of(Checkpoint.sha256(modelDir)))
                : LoraBase.of(modelDir);
        return Optional.of(LoraAdapter.create(cp.model(), lora.get(), base, seed));
    }

    static String describe(LoraConfig c) {
        List<String> names = c.targetModules().stream().map(LoraTarget::peftName).toList();
        return "rank " + c.rank() + ", alpha " + c.alpha() + ", dropout " + c.dropout() + ", target_modules " + names;
    }
}
