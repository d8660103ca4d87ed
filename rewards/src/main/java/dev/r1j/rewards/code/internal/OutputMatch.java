package dev.r1j.rewards.code.internal;

/** Compares a program's stdout with the expected output of a stdin/stdout test. */
public final class OutputMatch {

    private OutputMatch() {
    }

    /**
     * Equal after normalising line endings and ignoring whitespace at the end of each line and
     * blank lines at the end; leading whitespace and blank lines inside the output still count.
     */
    public static boolean matches(String expected, String actual) {
        return normalise(expected).equals(normalise(actual));
    }

    static String normalise(String text) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        int end = lines.length;
        while (end > 0 && lines[end - 1].strip().isEmpty()) {
            end--;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < end; i++) {
            out.append(lines[i].stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
