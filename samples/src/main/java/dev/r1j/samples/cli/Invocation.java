package dev.r1j.samples.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** The command line that ran, as provenance records it. */
final class Invocation {

    private Invocation() {}

    /**
     * {@code r1j SUBCOMMAND ARGS...}. Picocli's original arguments already start with the subcommand's
     * name when it was invoked through {@code r1j}, and lack it when the subcommand ran on its own.
     */
    static String of(CommandSpec spec) {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        String name = spec.name();
        boolean named = !args.isEmpty() && args.get(0).equals(name);
        return "r1j " + (named ? "" : name + " ") + String.join(" ", args);
    }
}
