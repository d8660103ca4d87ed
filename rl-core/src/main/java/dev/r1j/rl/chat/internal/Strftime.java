package dev.r1j.rl.chat.internal;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code strftime} directives (C locale) for the moment a rendering is fixed to. */
final class Strftime {

    private Strftime() {}

    static String format(LocalDateTime t, String pattern) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                sb.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean unpadded = false;
            if (d == '-' && i + 1 < pattern.length()) { // glibc's "no padding" flag, as in %-d
                unpadded = true;
                d = pattern.charAt(++i);
            }
            sb.append(switch (d) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> pad(t.getYear() % 100, 2, unpadded);
                case 'm' -> pad(t.getMonthValue(), 2, unpadded);
                case 'd' -> pad(t.getDayOfMonth(), 2, unpadded);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'j' -> pad(t.getDayOfYear(), 3, unpadded);
                case 'H' -> pad(t.getHour(), 2, unpadded);
                case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, unpadded);
                case 'M' -> pad(t.getMinute(), 2, unpadded);
                case 'S' -> pad(t.getSecond(), 2, unpadded);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                case 'F' -> String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
                case '%' -> "%";
                default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + d);
            });
        }
        return sb.toString();
    }

    private static String pad(int v, int width, boolean unpadded) {
        return unpadded ? Integer.toString(v) : String.format("%0" + width + "d", v);
    }
}
