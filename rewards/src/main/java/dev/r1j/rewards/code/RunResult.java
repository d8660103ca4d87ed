package dev.r1j.rewards.code;

/**
 * What a sandboxed program did.
 *
 * @param exitCode        the program's exit status (128 + signal when killed by a signal; -1 when timed out)
 * @param stdout          standard output, cut at the output limit
 * @param stderr          standard error, cut at the output limit
 * @param timedOut        the wall-clock limit ended it
 * @param outputTruncated stdout or stderr passed the output limit
 * @param wallMillis      how long it ran
 */
public record RunResult(int exitCode, String stdout, String stderr, boolean timedOut, boolean outputTruncated,
                        long wallMillis) {

    /** The last non-blank line of stderr (the exception of a Python traceback), or empty. */
    public String lastErrorLine() {
        String[] lines = stderr.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                String l = lines[i].strip();
                return l.length() > 200 ? l.substring(0, 200) + "..." : l;
            }
        }
        return "";
    }
}
