package dev.r1j.rl.chat;

/**
 * One turn of a conversation, as chat templates read it.
 *
 * @param role who speaks: {@code system}, {@code user}, {@code assistant} (templates may know others)
 * @param content what is said
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        if (role == null || role.isEmpty()) {
            throw new IllegalArgumentException("a chat message needs a role");
        }
        if (content == null) {
            throw new IllegalArgumentException("a chat message needs content");
        }
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
