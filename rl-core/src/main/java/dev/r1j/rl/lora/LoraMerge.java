package dev.r1j.rl.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.rl.checkpoint.DType;
import dev.r1j.rl.checkpoint.ModelWeightsFiles;
import dev.r1j.rl.checkpoint.Provenance;
import dev.r1j.rl.checkpoint.WriteOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Folds an adapter into its base: a full Hugging Face checkpoint whose every targeted projection is
 * {@code W + (alpha / r) B A}, so it computes what base plus adapter did without knowing about LoRA.
 * Weights are written in the type the base stores most of its weights in (F32, F16 or BF16, rounded
 * to nearest even from the merged float32 values), so a merged BF16 model is as large as its base.
 */
public final class LoraMerge {

    /**
     * What a merge wrote: the output directory, the stored types of the base's weights and the type
     * the merged weights were written in (the base's main type; F32 when the base's is not writable).
     */
    public record Result(Path directory, TreeSet<DType> baseTypes, DType written) {}

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
            DType written;
            try (ModelWeightsFiles w = ModelWeightsFiles.open(ref.directory())) {
                w.names().forEach(n -> types.add(w.dtype(n)));
                DType main = w.storedDType();
                written = main.writable() ? main : DType.F32;
            }
            cp.model().mergeAdapter();
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("merged_adapter", adapterDir.toAbsolutePath().normalize().toString());
            extra.put(LoraDirectory.PROVENANCE_BASE, ref.directory().toString());
            ref.builtinName().ifPresent(n -> extra.put(LoraDirectory.PROVENANCE_BASE_BUILTIN, n));
            Provenance provenance = Provenance.of(cp.provenance().map(Provenance::seed).orElse(0L), command,
                    Checkpoint.sha256(adapterDir), new ObjectMapper().createObjectNode(), extra);
            Checkpoint.write(out, cp.model(), cp.tokenizer(), cp.template().orElse(null), provenance,
                    WriteOptions.defaults().withDType(written));
            return new Result(out, types, written);
        }
    }
}
