package dev.r1j.samples.cli;

import picocli.CommandLine.Option;

/**
 * {@code --force}: replace what {@code --out} names when it exists, for the commands that write a model
 * or an export to a fresh place (export-onnx, init, merge-lora); without it they refuse, and say so.
 */
final class ForceOption {

    @Option(names = "--force", description = "Replace --out if it exists (for export-onnx: FILE.onnx and its companions).")
    boolean force;
}
