package dev.r1j.samples.cli;

import picocli.CommandLine;

/** Reports the library version recorded in the jar manifest. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = R1j.class.getPackage().getImplementationVersion();
        return new String[] {"r1j " + (v == null ? "(development build)" : v)};
    }
}
