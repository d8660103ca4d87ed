package dev.r1j.distill.nightly;

import java.util.Locale;

/** The stages of a night, in the order they run. Each is recorded in the night's {@code manifest.json} under its {@link #key()}. */
public enum Stage {
    /** The teacher samples tonight's problems; verified completions become traces ({@code traces.jsonl}). */
    TRACES,
    /** The student base is fine-tuned on tonight's traces ({@code student/}). */
    TRAIN,
    /** The new student and the published one (or, on the first night, the student base) on the same held-out problems ({@code eval.json}). */
    EVALUATE,
    /** The serving artifact of a student the gate accepted ({@code export/}). */
    EXPORT,
    /** The accepted student and its serving artifact replace the published one. */
    PUBLISH;

    /** The name in the manifest: lower case. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
