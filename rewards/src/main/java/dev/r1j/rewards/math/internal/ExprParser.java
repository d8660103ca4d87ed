package dev.r1j.rewards.math.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Recursive-descent parser of one scalar expression in LaTeX or plain notation into an {@link Expr}.
 * Input is expected normalised by {@link Normalizer}. Nesting deeper than {@link #MAX_DEPTH} and
 * numbers longer than {@link #MAX_DIGITS} fail; every failure is a {@link ParseFailure}, so callers can
 * treat unparseable text as text.
 *
 * <p>Grammar (implicit multiplication binds like {@code *}):
 * <pre>
 * sum     := term (('+' | '-') term)*
 * term    := unary (('*' | '/' | implicit) unary)*
 * unary   := ('-' | '+') unary | power
 * power   := postfix ('^' exponent)?            right-associative
 * postfix := primary '!'*
 * primary := number | symbol | '(' sum ')' | '{' sum '}' | '[' sum ']' | '|' sum '|'
 *          | \frac g g | \sqrt ('[' sum ']')? g | function g | \pi | \infty | \binom g g
 * g       := '{' sum '}' | one character | one command
 * </pre>
 */
public final class ExprParser {

    /** The text is not an expression this parser reads. */
    public static final class ParseFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ParseFailure(String message) {
            super(message, null, false, false);
        }
    }

    public static final int MAX_DEPTH = 200;
    public static final int MAX_DIGITS = 400;

    private static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "ln", "log", "exp", "abs");
    private static final Map<String, String> CONSTANT_COMMANDS = Map.of("pi", "pi", "infty", "inf", "infinity", "inf");

    private final String s;
    private final Budget budget;
    private int pos;
    private int depth;

    private ExprParser(String s, Budget budget) {
        this.s = s;
        this.budget = budget;
    }

    /** Parses the whole of {@code text}. */
    public static Expr parse(String text, Budget budget) {
        ExprParser p = new ExprParser(text, budget);
        p.skip();
        if (p.pos == p.s.length()) {
            throw new ParseFailure("empty");
        }
        Expr e = p.sum();
        p.skip();
        if (p.pos != p.s.length()) {
            throw new ParseFailure("unexpected '" + p.s.charAt(p.pos) + "' at " + p.pos);
        }
        return e;
    }

    private Expr sum() {
        enter();
        List<Expr> terms = new ArrayList<>();
        terms.add(term());
        while (true) {
            skip();
            if (at('+')) {
                pos++;
                terms.add(term());
            } else if (at('-')) {
                pos++;
                terms.add(new Expr.Neg(term()));
            } else {
                break;
            }
        }
        depth--;
        return terms.size() == 1 ? terms.get(0) : new Expr.Sum(terms);
    }

    private Expr term() {
        Expr left = unary();
        List<Expr> factors = new ArrayList<>();
        factors.add(left);
        while (true) {
            budget.check();
            skip();
            if (at('*') || command("cdot") || command("times")) {
                if (at('*')) {
                    pos++;
                }
                factors.add(unary());
            } else if (at('/') || command("div")) {
                if (at('/')) {
                    pos++;
                }
                Expr denominator = unary();
                Expr numerator = factors.size() == 1 ? factors.get(0) : new Expr.Product(List.copyOf(factors));
                factors.clear();
                factors.add(new Expr.Div(numerator, denominator));
            } else if (startsPrimary()) {
                factors.add(power()); // implicit multiplication: 2x, 2\pi, (a)(b), 3\sqrt{2}
            } else {
                break;
            }
        }
        return factors.size() == 1 ? factors.get(0) : new Expr.Product(List.copyOf(factors));
    }

    private Expr unary() {
        skip();
        if (at('-')) {
            pos++;
            enter();
            Expr e = new Expr.Neg(unary());
            depth--;
            return e;
        }
        if (at('+')) {
            pos++;
            return unary();
        }
        return power();
    }

    private Expr power() {
        Expr base = postfix();
        skip();
        if (at('^')) {
            pos++;
            enter();
            Expr exponent = exponent();
            depth--;
            return new Expr.Pow(base, exponent);
        }
        if (at('*') && pos + 1 < s.length() && s.charAt(pos + 1) == '*') { // Python-style x**2
            pos += 2;
            enter();
            Expr exponent = unary();
            depth--;
            return new Expr.Pow(base, exponent);
        }
        return base;
    }

    /** After '^': a braced group, a signed number, or one primary (so 2^10 is 1024, x^-1 works). */
    private Expr exponent() {
        skip();
        if (at('{')) {
            return group();
        }
        if (at('-')) {
            pos++;
            return new Expr.Neg(exponent());
        }
        if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            return number();
        }
        return postfix();
    }

    private Expr postfix() {
        Expr e = primary();
        while (true) {
            skip();
            if (at('!')) {
                pos++;
                e = new Expr.Factorial(e);
            } else {
                return e;
            }
        }
    }

    private boolean startsPrimary() {
        if (pos >= s.length()) {
            return false;
        }
        char c = s.charAt(pos);
        if (Character.isLetterOrDigit(c) || c == '(' || c == '.') {
            return true;
        }
        if (c == '\\') {
            String name = peekCommand();
            return name.equals("frac") || name.equals("sqrt") || name.equals("binom") || FUNCTIONS.contains(name)
                    || CONSTANT_COMMANDS.containsKey(name);
        }
        return false;
    }

    private Expr primary() {
        budget.check();
        skip();
        if (pos >= s.length()) {
            throw new ParseFailure("unexpected end");
        }
        char c = s.charAt(pos);
        if (Character.isDigit(c) || c == '.') {
            return number();
        }
        if (c == '(' || c == '[' || c == '{') {
            char close = c == '(' ? ')' : c == '[' ? ']' : '}';
            pos++;
            enter();
            Expr e = sum();
            skip();
            expect(close);
            depth--;
            return e;
        }
        if (c == '|') {
            pos++;
            enter();
            Expr e = sum();
            skip();
            expect('|');
            depth--;
            return new Expr.Fn("abs", e);
        }
        if (c == '\\') {
            return commandPrimary();
        }
        if (Character.isLetter(c)) {
            int start = pos;
            while (pos < s.length() && Character.isLetter(s.charAt(pos)) && s.charAt(pos) < 128) {
                pos++;
            }
            String word = s.substring(start, pos);
            if (FUNCTIONS.contains(word) || word.equals("sqrt")) {
                return function(word.equals("sqrt") ? "sqrt" : word);
            }
            if (word.equals("pi")) {
                return new Expr.Sym("pi");
            }
            if (word.length() > 2) {
                // Three or more letters that name no function are a word ("yes", "Monday"), not a product.
                throw new ParseFailure("word '" + word + "'");
            }
            if (word.length() == 2) {
                pos = start + 1; // xy is x*y: read one letter as a symbol
            }
            return new Expr.Sym(s.substring(start, start + 1));
        }
        throw new ParseFailure("unexpected '" + c + "' at " + pos);
    }

    private Expr commandPrimary() {
        enter();
        try {
            return commandBody(readCommand());
        } finally {
            depth--;
        }
    }

    private Expr commandBody(String name) {
        if (name.equals("frac") || name.equals("cfrac")) {
            Expr num = group();
            Expr den = group();
            return new Expr.Div(num, den);
        }
        if (name.equals("binom")) {
            Expr n = group();
            Expr k = group();
            return new Expr.Div(new Expr.Factorial(n), new Expr.Product(List.of(new Expr.Factorial(k),
                    new Expr.Factorial(new Expr.Sum(List.of(n, new Expr.Neg(k)))))));
        }
        if (name.equals("sqrt")) {
            skip();
            if (at('[')) {
                pos++;
                enter();
                Expr index = sum();
                skip();
                expect(']');
                depth--;
                return new Expr.Root(index, group());
            }
            return new Expr.Fn("sqrt", group());
        }
        if (FUNCTIONS.contains(name)) {
            return function(name);
        }
        String constant = CONSTANT_COMMANDS.get(name);
        if (constant != null) {
            return new Expr.Sym(constant);
        }
        throw new ParseFailure("unknown command \\" + name);
    }

    /** A function applied to a group, a parenthesised argument, or the next power (sin x, \ln 2). */
    private Expr function(String name) {
        skip();
        if (at('^')) { // \sin^2 x
            pos++;
            Expr exponent = exponent();
            Expr arg = functionArgument();
            return new Expr.Pow(new Expr.Fn(name, arg), exponent);
        }
        return new Expr.Fn(name, functionArgument());
    }

    private Expr functionArgument() {
        skip();
        enter();
        Expr arg = at('{') || at('(') ? primary() : power();
        depth--;
        return arg;
    }

    /** A LaTeX argument: {…}, one command, or one character. */
    private Expr group() {
        skip();
        if (pos >= s.length()) {
            throw new ParseFailure("missing argument");
        }
        char c = s.charAt(pos);
        if (c == '{') {
            pos++;
            enter();
            Expr e = sum();
            skip();
            expect('}');
            depth--;
            return e;
        }
        if (c == '\\') {
            return commandPrimary();
        }
        if (Character.isDigit(c)) {
            pos++;
            return new Expr.Num(new BigFraction(c - '0'));
        }
        if (Character.isLetter(c)) {
            pos++;
            return new Expr.Sym(String.valueOf(c));
        }
        throw new ParseFailure("bad argument at " + pos);
    }

    private Expr number() {
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
        }
        if (at('.') && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1))) {
            pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
        } else if (at('.') && pos > start) {
            pos++; // "5." is 5
        }
        String text = s.substring(start, pos);
        if (text.equals(".") || text.isEmpty()) {
            throw new ParseFailure("bad number at " + start);
        }
        if (text.length() > MAX_DIGITS) {
            throw new ParseFailure("number longer than " + MAX_DIGITS + " digits");
        }
        BigDecimal d = new BigDecimal(text.endsWith(".") ? text.substring(0, text.length() - 1) : text);
        BigInteger unscaled = d.unscaledValue();
        int scale = d.scale();
        BigFraction v = scale <= 0 ? new BigFraction(unscaled.multiply(BigInteger.TEN.pow(-scale)))
                : new BigFraction(unscaled, BigInteger.TEN.pow(scale));
        return new Expr.Num(v);
    }

    private String peekCommand() {
        int p = pos + 1;
        int start = p;
        while (p < s.length() && Character.isLetter(s.charAt(p))) {
            p++;
        }
        return s.substring(start, p);
    }

    private String readCommand() {
        String name = peekCommand();
        if (name.isEmpty()) {
            throw new ParseFailure("bad command at " + pos);
        }
        pos += 1 + name.length();
        return name;
    }

    private boolean command(String name) {
        if (at('\\') && peekCommand().equals(name)) {
            pos += 1 + name.length();
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!at(c)) {
            throw new ParseFailure("expected '" + c + "' at " + pos);
        }
        pos++;
    }

    private boolean at(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new ParseFailure("nested deeper than " + MAX_DEPTH);
        }
    }
}
