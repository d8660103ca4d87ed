package dev.r1j.rl.chat;

import dev.r1j.rl.tokenizer.Tokenizer;
import dev.r1j.rl.train.TrainingExample;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The assistant turns of a conversation rendered through a chat template, for training with the loss
 * on those turns only: each turn's content and its end-of-turn token (e.g. Qwen's {@code <|im_end|>});
 * the template's role headers and the other messages are context.
 *
 * <p>Each assistant turn is found as the field finds it, by rendering prefixes: the conversation up to
 * the turn with the generation prompt ends where the turn's text begins, and the conversation up to and
 * including the turn ends after it. When the whole conversation renders an earlier turn differently
 * from its prefix (Qwen3's template drops the reasoning of assistant turns that a later user message
 * follows), each assistant turn becomes an example of its own: the conversation up to that turn,
 * learning that turn.
 */
public final class AssistantTurns {

    private AssistantTurns() {}

    /** A rendered conversation and the character spans {@code [start, end)} of it that are learned. */
    public record Rendered(String text, List<int[]> learned) {}

    /** The end-of-sequence text of {@code tokenizer}: where an assistant turn's learned span ends. */
    public static String endToken(Tokenizer tokenizer) {
        return tokenizer.decode(new int[] {tokenizer.eosId()}, false);
    }

    /** The examples of one conversation; an {@link IllegalArgumentException} when it has nothing to learn. */
    public static List<TrainingExample> examples(List<ChatMessage> messages, ChatTemplate template, Tokenizer tokenizer,
                                                 Map<String, ?> variables, LocalDate date) {
        List<TrainingExample> out = new ArrayList<>();
        for (Rendered r : render(messages, template, endToken(tokenizer), variables, date)) {
            out.add(tokenize(r, tokenizer));
        }
        return out;
    }

    /**
     * The conversation rendered, with the character spans of its assistant turns: one rendering when the
     * template renders the conversation as the concatenation of its prefixes, else one per assistant turn.
     */
    public static List<Rendered> render(List<ChatMessage> messages, ChatTemplate template, String endToken,
                                        Map<String, ?> variables, LocalDate date) {
        List<Integer> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role().equals("assistant")) {
                turns.add(i);
            }
        }
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("the conversation has no assistant turn to learn from");
        }
        String whole = template.render(messages, false, variables, date);
        List<int[]> spans = new ArrayList<>();
        List<Rendered> perTurn = new ArrayList<>();
        boolean consistent = true;
        for (int i : turns) {
            String turn = template.render(messages.subList(0, i + 1), false, variables, date);
            int[] span = span(template.render(messages.subList(0, i), true, variables, date), turn, endToken);
            if (span[1] > span[0]) {
                spans.add(span);
                perTurn.add(new Rendered(turn, List.of(span)));
            }
            consistent &= whole.startsWith(turn);
        }
        if (spans.isEmpty()) {
            throw new IllegalArgumentException("the chat template renders the assistant turns as empty text");
        }
        return consistent ? List.of(new Rendered(whole, spans)) : perTurn;
    }

    /**
     * Where the last turn of {@code turn} lies: from the end of the rendering before it with the generation
     * prompt (or from where the two renderings part) to the end of the last end-of-sequence token after
     * that (or to the end of the rendering).
     */
    static int[] span(String before, String turn, String endToken) {
        int start = before.length();
        if (!turn.startsWith(before)) {
            start = 0;
            while (start < Math.min(before.length(), turn.length()) && before.charAt(start) == turn.charAt(start)) {
                start++;
            }
        }
        int end = turn.length();
        if (!endToken.isEmpty()) {
            int at = turn.lastIndexOf(endToken);
            if (at >= start) {
                end = at + endToken.length();
            }
        }
        return new int[] {start, end};
    }

    /** The text's tokens, segment by segment (prompt-like context, then a learned span, ...), with the mask. */
    public static TrainingExample tokenize(Rendered r, Tokenizer tokenizer) {
        int[] ids = new int[0];
        boolean[] learned = new boolean[0];
        int at = 0;
        for (int[] span : r.learned()) {
            int[] context = tokenizer.encode(r.text().substring(at, span[0]));
            int[] turn = tokenizer.encode(r.text().substring(span[0], span[1]));
            int n = ids.length;
            ids = Arrays.copyOf(ids, n + context.length + turn.length);
            learned = Arrays.copyOf(learned, ids.length);
            System.arraycopy(context, 0, ids, n, context.length);
            System.arraycopy(turn, 0, ids, n + context.length, turn.length);
            Arrays.fill(learned, n + context.length, ids.length, true);
            at = span[1];
        }
        int[] rest = tokenizer.encode(r.text().substring(at));
        int n = ids.length;
        ids = Arrays.copyOf(ids, n + rest.length);
        learned = Arrays.copyOf(learned, ids.length);
        System.arraycopy(rest, 0, ids, n, rest.length);
        if (ids.length < 2) {
            throw new IllegalArgumentException("the rendered conversation is shorter than two tokens");
        }
        return TrainingExample.masked(ids, learned);
    }
}
