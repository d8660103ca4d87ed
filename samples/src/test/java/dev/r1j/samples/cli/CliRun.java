package dev.r1j.samples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code r1j} command line, as a user would type it. */
record CliRun(int exit, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = R1j.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
