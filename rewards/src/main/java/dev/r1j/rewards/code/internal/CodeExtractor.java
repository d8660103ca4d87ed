package dev.r1j.rewards.code.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Finds the program in a model's completion. */
public final class CodeExtractor {

    private static final Set<String> PYTHON_TAGS = Set.of("python", "py", "python3");

    private CodeExtractor() {
    }

    /**
     * The last fenced block tagged {@code python} (or {@code py}, {@code python3}); failing that, the
     * last untagged fenced block; failing that, the completion as is. A block left open at the end
     * (a truncated completion) runs to the end of the text.
     */
    public static String extract(String completion) {
        return extract(completion, PYTHON_TAGS);
    }

    /** As {@link #extract(String)}, for a language whose fences carry one of {@code tags} (lower case). */
    public static String extract(String completion, Set<String> tags) {
        if (completion == null) {
            return "";
        }
        if (!completion.contains("```")) {
            return completion;
        }
        String lastTagged = null;
        String lastUntagged = null;
        String[] lines = completion.split("\r?\n", -1);
        List<String> block = null;
        String tag = null;
        for (String line : lines) {
            String trimmed = line.strip();
            if (block == null) {
                if (trimmed.startsWith("```")) {
                    tag = trimmed.substring(3).strip().toLowerCase(Locale.ROOT);
                    block = new ArrayList<>();
                }
            } else if (trimmed.equals("```")) {
                String code = String.join("\n", block) + "\n";
                if (tags.contains(tag)) {
                    lastTagged = code;
                } else if (tag.isEmpty()) {
                    lastUntagged = code;
                }
                block = null;
            } else {
                block.add(line);
            }
        }
        if (block != null) {
            String code = String.join("\n", block) + "\n";
            if (tags.contains(tag)) {
                lastTagged = code;
            } else if (tag.isEmpty()) {
                lastUntagged = code;
            }
        }
        if (lastTagged != null) {
            return lastTagged;
        }
        return lastUntagged != null ? lastUntagged : completion;
    }
}
