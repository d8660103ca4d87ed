package dev.r1j.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help renders cleanly. picocli reports a description it cannot format (a bare
 * {@code %} is a format specifier) as a warning on the process's standard error, not through the
 * command line's writers, so that stream is captured too: the first thing a newcomer types must not
 * open with a warning.
 */
class HelpTest {

    /** Names of every subcommand, nested ones as "parent child", found from the command line itself. */
    private static List<String[]> commands(CommandLine cl, List<String> prefix, List<String[]> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandName().equals(e.getKey())) {
                continue; // an alias
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            out.add(path.toArray(String[]::new));
            commands(e.getValue(), path, out);
        }
        return out;
    }

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        List<String[]> all = commands(R1j.commandLine(), List.of(), new ArrayList<>());
        assertTrue(all.size() >= 10, "found only " + all.size() + " commands");
        all.add(new String[0]); // r1j --help itself
        for (String[] cmd : all) {
            String name = String.join(" ", cmd);
            String[] args = new String[cmd.length + 1];
            System.arraycopy(cmd, 0, args, 0, cmd.length);
            args[cmd.length] = "--help";
            PrintStream saved = System.err;
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            CliRun r;
            try {
                System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
                r = CliRun.of(args);
            } finally {
                System.setErr(saved);
            }
            String processErr = stderr.toString(StandardCharsets.UTF_8);
            assertEquals(0, r.exit(), name + ": " + r.err());
            assertTrue(r.out().contains("Usage: r1j" + (name.isEmpty() ? "" : " " + name)), r.out());
            assertEquals("", r.err(), name + " wrote to its error stream");
            assertFalse(processErr.contains("Could not format") || processErr.contains("WARN"),
                    name + "'s help printed a warning: " + processErr);
        }
    }

    /** The --model help names the built-in models by hand (an annotation is a constant): it must name them all. */
    @Test
    void theModelOptionsHelpListsEveryBuiltinModel() throws Exception {
        String help = String.join(" ", ModelOption.class.getDeclaredField("model")
                .getAnnotation(CommandLine.Option.class).description());
        List<String> names = dev.r1j.rl.checkpoint.BuiltinModels.names();
        assertFalse(names.isEmpty(), "no built-in models on the test class path");
        int open = help.indexOf('(', help.indexOf("builtin:NAME"));
        List<String> listed = new ArrayList<>(List.of(help.substring(open + 1, help.indexOf(')', open)).split(", ")));
        List<String> shipped = new ArrayList<>(names);
        listed.sort(null);
        shipped.sort(null);
        assertEquals(shipped, listed, "the --model help's list of built-in models");
    }
}
