/**
 * The nightly distillation job: tonight's teacher traces, a student fine-tuned on them, a paired
 * evaluation against the published student, and publication only past a regression gate.
 * {@link dev.r1j.distill.nightly.NightlyJob} runs a night from a {@link dev.r1j.distill.nightly.NightlyConfig};
 * {@link dev.r1j.distill.nightly.ModelExporter} makes the serving artifact. See {@code docs/nightly.md}.
 */
package dev.r1j.distill.nightly;
