package dev.r1j.distill.sft;

import dev.r1j.distill.traces.Trace;
import dev.r1j.rl.tokenizer.Tokenizer;
import dev.r1j.rl.train.TrainingExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Traces as supervised examples for SFT distillation: the prompt as the teacher saw it, then the
 * teacher's completion and end-of-sequence; only completion tokens (and the end) count in the loss,
 * so the student learns to answer, not to write questions.
 */
public final class TraceExamples {

    private TraceExamples() {}

    /** One example per trace, tokenized with the student's tokenizer. */
    public static List<TrainingExample> of(List<Trace> traces, Tokenizer tokenizer) {
        List<TrainingExample> out = new ArrayList<>(traces.size());
        for (Trace t : traces) {
            out.add(of(t.prompt(), t.completion(), tokenizer));
        }
        return out;
    }

    /** {@code prompt + completion + EOS}, with the prompt excluded from the loss. */
    public static TrainingExample of(String prompt, String completion, Tokenizer tokenizer) {
        int[] p = tokenizer.encode(prompt);
        int[] c = tokenizer.encode(completion);
        boolean eos = tokenizer.eosId() >= 0;
        int[] ids = Arrays.copyOf(p, p.length + c.length + (eos ? 1 : 0));
        System.arraycopy(c, 0, ids, p.length, c.length);
        if (eos) {
            ids[ids.length - 1] = tokenizer.eosId();
        }
        return new TrainingExample(ids, Math.max(0, Math.min(p.length, ids.length - 1)));
    }
}
