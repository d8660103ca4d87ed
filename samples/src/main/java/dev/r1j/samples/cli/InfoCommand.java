package dev.r1j.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.r1j.rl.model.TransformerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code r1j info}: what a model directory holds, without loading its weights. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Prints a model's parameter count, forward FLOPs per token and config; "
                + "reads config.json (and provenance.json if present), not the weights."})
final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--context", defaultValue = "1", paramLabel = "N",
            description = "Attended positions used for the FLOPs per token figure (default: ${DEFAULT-VALUE}).")
    int context;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = model.directory();
        TransformerConfig c = TransformerConfig.read(dir);
        if (context < 1) {
            throw new dev.r1j.common.BadInputException("--context must be >= 1, was " + context);
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("directory", dir.toAbsolutePath().normalize().toString());
        info.put("model_type", c.family().modelType());
        info.put("parameters", c.parameterCount());
        info.put("forward_flops_per_token", c.forwardFlopsPerToken(context));
        info.put("flops_context", context);
        info.put("config", mapper.readTree(c.toJson()));
        Path provenance = dir.resolve("provenance.json");
        if (Files.exists(provenance)) {
            info.put("provenance", mapper.readTree(provenance.toFile()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(mapper.writeValueAsString(info));
        } else {
            out.printf("model        %s (%s)%n", dir, c.family().modelType());
            out.printf("parameters   %,d%n", c.parameterCount());
            out.printf("FLOPs/token  %,d (forward, %d attended position%s)%n", c.forwardFlopsPerToken(context),
                    context, context == 1 ? "" : "s");
            out.printf("layers %d, hidden %d, intermediate %d, heads %d (kv %d, head_dim %d), vocab %d%n",
                    c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(),
                    c.numKeyValueHeads(), c.headDim(), c.vocabSize());
            out.printf("rope_theta %s, rms_norm_eps %s, max positions %d, tied embeddings %s%n", c.ropeTheta(),
                    c.rmsNormEps(), c.maxPositionEmbeddings(), c.tieWordEmbeddings());
            if (info.containsKey("provenance")) {
                out.println("provenance   " + mapper.writeValueAsString(info.get("provenance")).replace("\n", "\n             "));
            }
        }
        out.flush();
        return R1j.EXIT_OK;
    }
}
