package dev.r1j.rl.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Folds an adapter into its base: a full Hugging Face checkpoint whose every targeted projection is
 * {@code W + (alpha / r) B A}, so it computes what base plus adapter did without knowing about LoRA.
 * Weights are written as F32, whatever the base's stored type (the checkpoint writer writes F32).
 */
public final class LoraMerge {

    /** What a merge wrote: the output directory and the stored types of the base's weights. */
    public record Result(Path directory, TreeSet<DType> baseTypes) {}

    private LoraMerge() {}

    /**
     * Merges adapter directory {@code adapterDir} into its base ({@code base}, or null for the base its
     * {@code adapter_config.json} names) and writes the merged model directory {@code out} atomically,
     * with the adapter's tokenizer and prompt template and a provenance naming the adapter and base.
     */
    public static Result merge(Path adapterDir, Path base, Path out, String command) {
        try (Checkpoint cp = Checkpoint.loadAdapter(adapterDir, base)) {
            LoraBase ref = LoraAdapter.of(cp.model()).flatMap(LoraAdapter::base).orElseThrow();
            TreeSet<DType> types = new TreeSet<>();
            try (ModelWeightsFiles w = ModelWeightsFiles.open(ref.directory())) {
                w.names().forEach(n -> types.add(w.dtype(n)));
            }
            cp.model().mergeAdapter();
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("merged_adapter", adapterDir.toAbsolutePath().normalize().toString());
            extra.put(LoraDirectory.PROVENANCE_BASE, ref.directory().toString());
            ref.builtinName().ifPresent(n -> extra.put(LoraDirectory.PROVENANCE_BASE_BUILTIN, n));
            Provenance provenance = Provenance.of(cp.provenance().map(Provenance::seed).orElse(0L), command,
                    Checkpoint.sha256(adapterDir), new ObjectMapper().createObjectNode(), extra);
            Checkpoint.write(out, cp.model(), cp.tokenizer(), cp.template().orElse(null), provenance);
            return new Result(out, types);
        }
    }
}
