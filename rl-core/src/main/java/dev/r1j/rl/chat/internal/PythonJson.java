package dev.r1j.rl.chat.internal;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

/**
 * Python's {@code json.dumps} as transformers' {@code tojson} filter calls it: {@code ensure_ascii}
 * false, separators {@code ", "} and {@code ": "} without indent and {@code ","} and {@code ": "} with
 * one, keys in insertion order unless {@code sort_keys}, floats written as Python writes them.
 */
final class PythonJson {

    private PythonJson() {}

    static String dumps(Object value, Integer indent, String itemSeparator, String keySeparator, boolean sortKeys,
                        boolean ensureAscii) {
        String items = itemSeparator != null ? itemSeparator : indent == null ? ", " : ",";
        String keys = keySeparator != null ? keySeparator : ": ";
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, items, keys, sortKeys, ensureAscii, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, Integer indent, String items, String keys, boolean sort,
                              boolean ascii, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            sb.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            sb.append(n.toString());
        } else if (v instanceof CharSequence || v instanceof Character) {
            string(sb, v.toString(), ascii);
        } else if (v instanceof Map<?, ?> m) {
            Map<?, ?> entries = sort ? new TreeMap<>(stringKeys(m)) : m;
            if (entries.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                if (!first) {
                    sb.append(items);
                }
                newline(sb, indent, depth + 1);
                string(sb, String.valueOf(e.getKey()), ascii);
                sb.append(keys);
                write(sb, e.getValue(), indent, items, keys, sort, ascii, depth + 1);
                first = false;
            }
            newline(sb, indent, depth);
            sb.append('}');
        } else if (v instanceof Iterable<?> list) {
            if (!list.iterator().hasNext()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : list) {
                if (!first) {
                    sb.append(items);
                }
                newline(sb, indent, depth + 1);
                write(sb, o, indent, items, keys, sort, ascii, depth + 1);
                first = false;
            }
            newline(sb, indent, depth);
            sb.append(']');
        } else if (v instanceof Object[] array) {
            write(sb, java.util.Arrays.asList(array), indent, items, keys, sort, ascii, depth);
        } else {
            throw new IllegalArgumentException("Object of type " + v.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), val));
        return out;
    }

    private static void newline(StringBuilder sb, Integer indent, int depth) {
        if (indent != null) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void string(StringBuilder sb, String s, boolean ascii) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || ascii && c > 0x7f || Character.isSurrogate(c) && !pairedAt(s, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean pairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Python's {@code repr(float)}: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1; // d = m x 10^exponent with 1 <= |m| < 10
        if (exponent < -4 || exponent >= 16) {
            String digits = b.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = b.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
