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

    /** {@code r1j init} of a one-layer random model (hidden 32, 128 positions) into {@code dir}; fails the test if it fails. */
    static java.nio.file.Path tinyModel(java.nio.file.Path dir) {
        CliRun r = of("init", "--out", dir.toString(), "--hidden", "32", "--intermediate", "64", "--layers", "1",
                "--heads", "2", "--kv-heads", "1", "--max-positions", "128");
        org.junit.jupiter.api.Assertions.assertEquals(0, r.exit(), r.err());
        return dir;
    }
}
