package dev.r1j.samples.cli;

import dev.r1j.rl.run.MachineMemory;
import dev.r1j.rl.run.MemoryEstimate;
import java.io.PrintWriter;

/** The start-of-run memory line of the training commands, and a warning for each thing that does not fit. */
final class MemoryNotice {

    private MemoryNotice() {}

    /**
     * Prints {@code PREFIX memory estimate: ...} and {@code PREFIX warning: ...} lines to {@code err},
     * with the runtime (JVM, engine libraries, tokenizer) this process holds now: its resident memory,
     * less the estimate's weights (and a distillation teacher's) when {@code modelLoaded}: called after
     * the models are loaded and before the run starts.
     */
    static void print(PrintWriter err, String prefix, MemoryEstimate estimate, boolean modelLoaded) {
        long resident = MachineMemory.processResidentBytes();
        if (resident > 0) {
            estimate = estimate.withRuntime(resident - (modelLoaded ? estimate.bytes("weights") + estimate.bytes("teacher") : 0));
        }
        err.println(prefix + estimate.line());
        for (String w : estimate.warnings(MachineMemory.current())) {
            err.println(prefix + "warning: " + w);
        }
        err.flush();
    }

    /** The parameters {@code model}'s optimiser holds: all of them, or an attached LoRA adapter's. */
    static long trainable(dev.r1j.rl.model.CausalLm model) {
        return model.trainableParameters().stream().mapToLong(ai.djl.ndarray.NDArray::size).sum();
    }
}
