package dev.r1j.rewards.tasks.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * A small recursive-descent parser and exact evaluator of integer arithmetic: non-negative integer
 * literals, + - * /, unary minus, parentheses. For verifying model output, so it never throws on bad
 * text and bounds its work: input length, nesting depth and literal size are capped, and any failure
 * (syntax, division by zero, a cap) is a {@link Result} with a reason.
 */
public final class ArithmeticParser {

    /** The outcome: a value and the literals used, or the reason there is none. */
    public record Result(BigFraction value, List<BigInteger> literals, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    public static final int MAX_LENGTH = 2_000;
    public static final int MAX_DEPTH = 100;
    private static final int MAX_LITERAL_DIGITS = 12;

    private final String s;
    private int pos;
    private int depth;
    private final List<BigInteger> literals = new ArrayList<>();

    private ArithmeticParser(String s) {
        this.s = s;
    }

    /** Parses and evaluates {@code text} exactly. */
    public static Result evaluate(String text) {
        if (text == null || text.isBlank()) {
            return new Result(null, List.of(), "empty expression");
        }
        if (text.length() > MAX_LENGTH) {
            return new Result(null, List.of(), "expression longer than " + MAX_LENGTH + " characters");
        }
        ArithmeticParser p = new ArithmeticParser(text);
        try {
            BigFraction v = p.sum();
            p.skipSpaces();
            if (p.pos != p.s.length()) {
                return new Result(null, List.of(), "unexpected '" + p.s.charAt(p.pos) + "' at " + p.pos);
            }
            return new Result(v, List.copyOf(p.literals), null);
        } catch (Failure f) {
            return new Result(null, List.of(), f.getMessage());
        }
    }

    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private BigFraction sum() {
        BigFraction v = product();
        while (true) {
            skipSpaces();
            if (peek('+')) {
                pos++;
                v = v.add(product());
            } else if (peek('-')) {
                pos++;
                v = v.subtract(product());
            } else {
                return v;
            }
        }
    }

    private BigFraction product() {
        BigFraction v = unary();
        while (true) {
            skipSpaces();
            if (peek('*')) {
                pos++;
                v = v.multiply(unary());
            } else if (peek('/')) {
                pos++;
                BigFraction d = unary();
                if (d.getNumerator().signum() == 0) {
                    throw new Failure("division by zero");
                }
                v = v.divide(d);
            } else {
                return v;
            }
            if (v.getNumerator().bitLength() > 4096 || v.getDenominator().bitLength() > 4096) {
                throw new Failure("intermediate value too large");
            }
        }
    }

    private BigFraction unary() {
        skipSpaces();
        if (peek('-')) {
            pos++;
            enter();
            BigFraction v = unary().negate();
            depth--;
            return v;
        }
        if (peek('(')) {
            pos++;
            enter();
            BigFraction v = sum();
            skipSpaces();
            if (!peek(')')) {
                throw new Failure("missing ')' at " + pos);
            }
            pos++;
            depth--;
            return v;
        }
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
            pos++;
        }
        if (start == pos) {
            throw new Failure(pos < s.length() ? "unexpected '" + s.charAt(pos) + "' at " + pos : "unexpected end");
        }
        if (pos - start > MAX_LITERAL_DIGITS) {
            throw new Failure("number too long at " + start);
        }
        BigInteger literal = new BigInteger(s.substring(start, pos));
        literals.add(literal);
        return new BigFraction(literal);
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new Failure("nesting deeper than " + MAX_DEPTH);
        }
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void skipSpaces() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }
}
