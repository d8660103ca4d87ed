package dev.r1j.rl.chat.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The methods of Python's {@code str} that chat templates call, with Python's semantics: {@code split}
 * splits on a literal separator (not a regular expression, as Java's does) and keeps trailing empty
 * parts; without a separator it splits on runs of whitespace. Whitespace is Python's (Unicode spaces
 * included).
 */
final class PythonStrings {

    private PythonStrings() {}

    /** Whether {@code name} is a method implemented here. */
    static boolean has(String name) {
        return switch (name) {
            case "split", "rsplit", "strip", "lstrip", "rstrip", "startswith", "endswith", "replace", "upper", "lower",
                 "title", "capitalize", "join", "find", "rfind", "count", "splitlines", "isdigit", "isalpha", "isalnum",
                 "isspace", "islower", "isupper" -> true;
            default -> false;
        };
    }

    /** {@code s.name(*args)}; an {@link IllegalArgumentException} for a wrong number or type of arguments. */
    static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "split" -> split(s, optionalText(name, args, 0), maxSplit(name, args));
            case "rsplit" -> rsplit(s, optionalText(name, args, 0), maxSplit(name, args));
            case "strip" -> rstrip(lstrip(s, optionalText(name, args, 0)), optionalText(name, args, 0));
            case "lstrip" -> lstrip(s, optionalText(name, args, 0));
            case "rstrip" -> rstrip(s, optionalText(name, args, 0));
            case "startswith" -> affix(s, name, args, true);
            case "endswith" -> affix(s, name, args, false);
            case "replace" -> replace(s, text(name, args, 0), text(name, args, 1),
                    args.length > 2 ? integer(name, args, 2) : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "join" -> join(s, name, args);
            case "find" -> s.indexOf(text(name, args, 0));
            case "rfind" -> s.lastIndexOf(text(name, args, 0));
            case "count" -> count(s, text(name, args, 0));
            case "splitlines" -> splitLines(s);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> isSpace((char) c));
            case "islower" -> s.chars().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> s.chars().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> throw new IllegalArgumentException("str has no method " + name);
        };
    }

    /** Python's {@code str.isspace} for one UTF-16 unit: Unicode whitespace, including no-break spaces. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    static List<String> split(String s, String sep, int max) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    return out;
                }
                if (max >= 0 && out.size() == max) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        int from = 0;
        while (max < 0 || out.size() < max) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<String> rsplit(String s, String sep, int max) {
        if (max < 0) {
            return split(s, sep, max);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j == 0) {
                    break;
                }
                if (out.size() == max) {
                    out.add(0, lstrip(s.substring(0, j), null));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("rsplit: empty separator");
        }
        int end = s.length();
        while (out.size() < max) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) {
                break;
            }
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && stripped(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean affix(String s, String name, Object[] args, boolean start) {
        if (args.length < 1 || args.length > 1) {
            throw new IllegalArgumentException(name + " takes one argument (a string or a tuple of strings)");
        }
        Object a = args[0];
        if (a instanceof Collection<?> options) {
            for (Object o : options) {
                if (affix(s, name, new Object[] {o}, start)) {
                    return true;
                }
            }
            return false;
        }
        String p = text(name, args, 0);
        return start ? s.startsWith(p) : s.endsWith(p);
    }

    private static String replace(String s, String old, String with, int count) {
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int done = 0; done < count; done++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(with);
            if (old.isEmpty()) {
                if (at < s.length()) {
                    sb.append(s.charAt(at));
                }
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        if (from <= s.length()) {
            sb.append(s.substring(from));
        }
        return sb.toString();
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (char c : s.toCharArray()) {
            sb.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    private static String join(String s, String name, Object[] args) {
        if (args.length != 1 || !(args[0] instanceof Iterable<?> parts)) {
            throw new IllegalArgumentException(name + " takes one list of strings");
        }
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object p : parts) {
            if (!(p instanceof CharSequence)) {
                throw new IllegalArgumentException("join: sequence item is not a string: " + p);
            }
            if (!first) {
                sb.append(s);
            }
            sb.append(p);
            first = false;
        }
        return sb.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static List<String> splitLines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u000B' || c == '\u000C' || c == '\u001C' || c == '\u001D'
                    || c == '\u001E' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                out.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static String optionalText(String name, Object[] args, int i) {
        if (args.length <= i || args[i] == null) {
            return null;
        }
        return text(name, args, i);
    }

    private static String text(String name, Object[] args, int i) {
        if (args.length <= i || !(args[i] instanceof CharSequence cs)) {
            throw new IllegalArgumentException(name + ": argument " + (i + 1) + " must be a string");
        }
        return cs.toString();
    }

    private static int maxSplit(String name, Object[] args) {
        return args.length > 1 ? integer(name, args, 1) : -1;
    }

    private static int integer(String name, Object[] args, int i) {
        if (!(args[i] instanceof Number n)) {
            throw new IllegalArgumentException(name + ": argument " + (i + 1) + " must be an integer");
        }
        return n.intValue();
    }
}
