package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.internal.Expr.Binomial;
import dev.r1j.rewards.math.internal.Expr.Call;
import dev.r1j.rewards.math.internal.Expr.Const;
import dev.r1j.rewards.math.internal.Expr.Constant;
import dev.r1j.rewards.math.internal.Expr.Factorial;
import dev.r1j.rewards.math.internal.Expr.Function;
import dev.r1j.rewards.math.internal.Expr.Log;
import dev.r1j.rewards.math.internal.Expr.Matrix;
import dev.r1j.rewards.math.internal.Expr.Neg;
import dev.r1j.rewards.math.internal.Expr.Num;
import dev.r1j.rewards.math.internal.Expr.Percent;
import dev.r1j.rewards.math.internal.Expr.PlusMinus;
import dev.r1j.rewards.math.internal.Expr.Power;
import dev.r1j.rewards.math.internal.Expr.Product;
import dev.r1j.rewards.math.internal.Expr.Quotient;
import dev.r1j.rewards.math.internal.Expr.RelOp;
import dev.r1j.rewards.math.internal.Expr.Relation;
import dev.r1j.rewards.math.internal.Expr.Root;
import dev.r1j.rewards.math.internal.Expr.Sequence;
import dev.r1j.rewards.math.internal.Expr.Sum;
import dev.r1j.rewards.math.internal.Expr.Union;
import dev.r1j.rewards.math.internal.Expr.Var;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * A recursive-descent parser for LaTeX and plain-text math. Recursion depth is capped at
 * {@link #MAX_DEPTH}; deeper input is rejected with a {@link ParseFailure} rather than risking the
 * stack. Runs of signs ({@code ---5}) are consumed iteratively for the same reason.
 *
 * <p>Grammar, loosest binding first: comma lists, relations ({@code = < \le ...}), unions
 * ({@code \cup}), sums ({@code + - \pm}), products (explicit and implicit), signs, powers
 * (right-associative), postfix {@code !} and {@code %}, primaries.
 */
public final class ExprParser {

    /** The deepest bracket/exponent nesting accepted. Real answers stay far below it. */
    public static final int MAX_DEPTH = 100;

    private static final int MAX_DECIMAL_EXPONENT = 400;

    private static final Map<String, Function> FUNCTIONS = Map.ofEntries(
            Map.entry("sin", Function.SIN), Map.entry("cos", Function.COS), Map.entry("tan", Function.TAN),
            Map.entry("sec", Function.SEC), Map.entry("csc", Function.CSC), Map.entry("cot", Function.COT),
            Map.entry("arcsin", Function.ASIN), Map.entry("arccos", Function.ACOS),
            Map.entry("arctan", Function.ATAN), Map.entry("sinh", Function.SINH),
            Map.entry("cosh", Function.COSH), Map.entry("tanh", Function.TANH), Map.entry("ln", Function.LN),
            Map.entry("exp", Function.EXP), Map.entry("abs", Function.ABS), Map.entry("floor", Function.FLOOR),
            Map.entry("ceil", Function.CEIL));

    private static final Set<String> GREEK = Set.of(
            "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
            "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi",
            "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");

    private static final Map<String, RelOp> RELATIONS = Map.ofEntries(
            Map.entry("=", RelOp.EQ), Map.entry("<", RelOp.LT), Map.entry(">", RelOp.GT),
            Map.entry("<=", RelOp.LE), Map.entry(">=", RelOp.GE), Map.entry("!=", RelOp.NE),
            Map.entry("\\eq", RelOp.EQ), Map.entry("\\approx", RelOp.APPROX), Map.entry("\\equiv", RelOp.EQ),
            Map.entry("\\le", RelOp.LE), Map.entry("\\leq", RelOp.LE), Map.entry("\\leqslant", RelOp.LE),
            Map.entry("\\ge", RelOp.GE), Map.entry("\\geq", RelOp.GE), Map.entry("\\geqslant", RelOp.GE),
            Map.entry("\\lt", RelOp.LT), Map.entry("\\gt", RelOp.GT), Map.entry("\\ne", RelOp.NE),
            Map.entry("\\neq", RelOp.NE));

    /** Commands that join statements rather than name a symbol; an answer using them is not one value. */
    private static final Set<String> NOT_SYMBOLS = Set.of(
            "to", "implies", "impliedby", "iff", "Rightarrow", "rightarrow", "Leftarrow", "leftarrow",
            "Leftrightarrow", "longrightarrow", "Longrightarrow", "mapsto", "mid", "therefore", "because",
            "land", "wedge", "neg", "lnot", "forall", "exists", "cdot", "times", "ast", "div", "pm", "mp", "cup",
            "cap", "setminus", "in", "notin", "ni", "subset", "subseteq", "supset", "supseteq", "right", "rfloor",
            "rceil", "circ", "over", "choose", "end", "begin");

    private static final Set<String> FRACTIONS = Set.of("frac", "dfrac", "tfrac", "cfrac");
    private static final Set<String> BINOMIALS = Set.of("binom", "dbinom", "tbinom");
    private static final Set<String> MATRIX_ENVS = Set.of(
            "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array");

    private final List<Token> tokens;
    private final Budget budget;
    private int pos;
    private int depth;
    private int openAbs;
    /** Position of a number token left over after a macro took its first digit ({@code \sqrt34}). */
    private int leftoverDigitsAt = -1;

    private ExprParser(List<Token> tokens, Budget budget) {
        this.tokens = new ArrayList<>(tokens);
        this.budget = budget;
    }

    /** Parses a whole normalised answer; throws {@link ParseFailure} when it is not well formed. */
    public static Expr parse(String text, Budget budget) {
        ExprParser p = new ExprParser(Lexer.tokenize(text, budget), budget);
        Expr e = p.parseList();
        if (p.peek().kind() != Token.Kind.EOF) {
            throw new ParseFailure("unexpected '" + p.peek().text() + "'");
        }
        return e;
    }

    // ---- token helpers ----

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        budget.tick();
        Token t = tokens.get(pos);
        if (t.kind() != Token.Kind.EOF) {
            pos++;
        }
        return t;
    }

    private boolean acceptSymbol(String s) {
        if (peek().isSymbol(s)) {
            next();
            return true;
        }
        return false;
    }

    private void expectSymbol(String s) {
        if (!acceptSymbol(s)) {
            throw new ParseFailure("expected '" + s + "' but found '" + peek().text() + "'");
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new ParseFailure("nested deeper than " + MAX_DEPTH);
        }
    }

    private void leave() {
        depth--;
    }

    // ---- grammar ----

    /** A comma (or semicolon) separated list; a single item is returned as itself. */
    private Expr parseList() {
        enter();
        try {
            // commas separate items; semicolons separate groups when a group has several items
            // (p=5, q=2; p=7, q=2 lists two solutions), and are commas otherwise
            List<List<Expr>> groups = new ArrayList<>();
            List<Expr> group = new ArrayList<>();
            group.add(parseRelation());
            while (peek().isSymbol(",") || peek().isSymbol(";")) {
                if (next().isSymbol(";")) {
                    groups.add(group);
                    group = new ArrayList<>();
                }
                group.add(parseRelation());
            }
            groups.add(group);
            List<Expr> items = new ArrayList<>();
            boolean grouped = groups.size() > 1 && groups.stream().anyMatch(g -> g.size() > 1);
            for (List<Expr> g : groups) {
                if (grouped) {
                    items.add(g.size() == 1 ? g.get(0) : new Sequence(g, (char) 0, (char) 0));
                } else {
                    items.addAll(g);
                }
            }
            return items.size() == 1 ? items.get(0) : new Sequence(items, (char) 0, (char) 0);
        } finally {
            leave();
        }
    }

    private Expr parseRelation() {
        List<Expr> operands = new ArrayList<>();
        List<RelOp> ops = new ArrayList<>();
        operands.add(parseUnion());
        RelOp op;
        while ((op = relationAt(peek())) != null) {
            next();
            ops.add(op);
            operands.add(parseUnion());
        }
        return ops.isEmpty() ? operands.get(0) : new Relation(operands, ops);
    }

    private static RelOp relationAt(Token t) {
        if (t.kind() == Token.Kind.SYMBOL) {
            return RELATIONS.get(t.text());
        }
        if (t.kind() == Token.Kind.COMMAND) {
            return RELATIONS.get("\\" + t.text());
        }
        return null;
    }

    private Expr parseUnion() {
        Expr first = parseSum();
        if (!peek().isCommand("cup")) {
            return first;
        }
        List<Expr> parts = new ArrayList<>();
        parts.add(first);
        while (peek().isCommand("cup")) {
            next();
            parts.add(parseSum());
        }
        return new Union(parts);
    }

    private Expr parseSum() {
        List<Expr> terms = new ArrayList<>();
        terms.add(parseSignedTerm());
        while (true) {
            Token t = peek();
            if (t.isSymbol("+")) {
                next();
                terms.add(parseSignedTerm());
            } else if (t.isSymbol("-")) {
                next();
                terms.add(negate(parseSignedTerm()));
            } else if (t.isCommand("pm") || t.isCommand("mp")) {
                next();
                Expr left = terms.size() == 1 ? terms.get(0) : new Sum(terms);
                terms = new ArrayList<>();
                terms.add(new PlusMinus(left, parseSignedTerm()));
            } else {
                break;
            }
        }
        return terms.size() == 1 ? terms.get(0) : new Sum(terms);
    }

    /** A term with any number of leading signs, consumed in a loop so that long runs cannot recurse. */
    private Expr parseSignedTerm() {
        boolean negative = false;
        boolean plusMinus = false;
        while (true) {
            Token t = peek();
            if (t.isSymbol("-")) {
                negative = !negative;
            } else if (t.isSymbol("+")) {
                // a redundant plus sign
            } else if (t.isCommand("pm") || t.isCommand("mp")) {
                plusMinus = true;
            } else {
                break;
            }
            next();
        }
        Expr term = parseTerm();
        if (negative) {
            term = negate(term);
        }
        return plusMinus ? new PlusMinus(new Num(BigFraction.ZERO), term) : term;
    }

    private Expr parseTerm() {
        Expr acc = parsePower();
        boolean lastWasInteger = isIntegerLiteral(acc);
        List<Expr> factors = new ArrayList<>();
        factors.add(acc);
        while (true) {
            Token t = peek();
            if (t.isSymbol("*") || t.isCommand("cdot") || t.isCommand("times") || t.isCommand("ast")) {
                next();
                factors.add(parseUnary());
                lastWasInteger = false;
            } else if (t.isSymbol("/") || t.isCommand("div") || t.isSymbol(":")) {
                // a ratio a:b is the quotient a/b
                next();
                Expr denominator = parseUnary();
                Expr numerator = factors.size() == 1 ? factors.get(0) : new Product(factors);
                factors = new ArrayList<>();
                factors.add(new Quotient(numerator, denominator));
                lastWasInteger = false;
            } else if (startsImplicitFactor(t)) {
                Expr factor = parsePower();
                if (lastWasInteger && factors.size() == 1 && isProperFractionLiteral(factor)) {
                    // 2\frac{1}{2} is the mixed number 5/2, not 2 * 1/2
                    BigFraction whole = ((Num) factors.get(0)).value();
                    Quotient q = (Quotient) factor;
                    BigFraction frac = ((Num) q.numerator()).value().divide(((Num) q.denominator()).value());
                    factors.set(0, new Num(whole.add(frac)));
                } else {
                    factors.add(factor);
                }
                lastWasInteger = false;
            } else {
                break;
            }
        }
        return factors.size() == 1 ? factors.get(0) : new Product(factors);
    }

    private static boolean isIntegerLiteral(Expr e) {
        return e instanceof Num n && n.value().getDenominator().equals(BigInteger.ONE)
                && n.value().getNumerator().signum() >= 0;
    }

    private static boolean isProperFractionLiteral(Expr e) {
        if (e instanceof Quotient q && isIntegerLiteral(q.numerator()) && isIntegerLiteral(q.denominator())) {
            BigInteger num = ((Num) q.numerator()).value().getNumerator();
            BigInteger den = ((Num) q.denominator()).value().getNumerator();
            return den.signum() > 0 && num.compareTo(den) < 0;
        }
        return false;
    }

    /** Whether {@code t} can begin a factor that multiplies the previous one without an operator. */
    private boolean startsImplicitFactor(Token t) {
        switch (t.kind()) {
            case LETTER, WORD, BEGIN:
                return true;
            case NUMBER:
                // "2 3" is not a product, but the digits a macro left over are: \sqrt34 is 4\sqrt3
                return pos == leftoverDigitsAt;
            case SYMBOL:
                return t.text().equals("(") || (t.text().equals("|") && openAbs == 0);
            case COMMAND:
                String c = t.text();
                return FRACTIONS.contains(c) || BINOMIALS.contains(c) || c.equals("sqrt") || c.equals("pi")
                        || isSymbolCommand(c)
                        || c.equals("infty") || c.equals("log") || FUNCTIONS.containsKey(c) || GREEK.contains(c)
                        || c.equals("lfloor") || c.equals("lceil");
            default:
                return false;
        }
    }

    /** Whether {@code \\c} can begin a factor: a named symbol such as {@code \\angle} or {@code \\zzz}. */
    private static boolean isSymbolCommand(String c) {
        return !c.isEmpty() && Lexer.isAsciiLetter(c.charAt(0)) && !NOT_SYMBOLS.contains(c)
                && RELATIONS.get("\\" + c) == null;
    }

    /** An operand after an explicit operator or in an exponent: optional signs, then a power. */
    private Expr parseUnary() {
        boolean negative = false;
        boolean plusMinus = false;
        while (true) {
            Token t = peek();
            if (t.isSymbol("-")) {
                negative = !negative;
            } else if (t.isSymbol("+")) {
                // redundant
            } else if (t.isCommand("pm") || t.isCommand("mp")) {
                plusMinus = true;
            } else {
                break;
            }
            next();
        }
        Expr e = parsePower();
        if (negative) {
            e = negate(e);
        }
        return plusMinus ? new PlusMinus(new Num(BigFraction.ZERO), e) : e;
    }

    private Expr parsePower() {
        Expr base = parsePostfix(parsePrimary());
        if (peek().isSymbol("^") || peek().isSymbol("**")) {
            next();
            Expr exponent = parseExponent();
            return parsePostfix(new Power(base, exponent));
        }
        return base;
    }

    private Expr parseExponent() {
        enter();
        try {
            Token t = peek();
            if (t.isSymbol("{")) {
                next();
                Expr e = parseList();
                expectSymbol("}");
                return e;
            }
            return parseUnary();
        } finally {
            leave();
        }
    }

    private Expr parsePostfix(Expr e) {
        while (true) {
            if (peek().isSymbol("!")) {
                next();
                e = new Factorial(e);
            } else if (peek().isSymbol("%")) {
                next();
                e = new Percent(e);
            } else if (peek().isSymbol("\u00B0")) {
                next();
                e = new Expr.Degrees(e);
            } else if (peek().isSymbol("'")) {
                throw new ParseFailure("primes are not supported");
            } else {
                return e;
            }
        }
    }

    private Expr parsePrimary() {
        enter();
        try {
            Token t = next();
            switch (t.kind()) {
                case NUMBER:
                    return number(t.text());
                case LETTER:
                    return letter(t.text());
                case WORD:
                    return word(t.text());
                case COMMAND:
                    return command(t.text());
                case BEGIN:
                    return matrix(t.text());
                case SYMBOL:
                    return bracketed(t.text());
                default:
                    throw new ParseFailure("unexpected end of answer");
            }
        } finally {
            leave();
        }
    }

    private Expr letter(String name) {
        String full = name + subscript();
        if (full.equals("e")) {
            return new Const(Constant.E);
        }
        if (full.equals("i")) {
            return new Const(Constant.I);
        }
        return new Var(full);
    }

    /** A subscript such as {@code _1} or {@code _{max}}, returned as text; empty when absent. */
    private String subscript() {
        if (!peek().isSymbol("_")) {
            return "";
        }
        next();
        StringBuilder sb = new StringBuilder("_");
        if (peek().isSymbol("{")) {
            next();
            int guard = 0;
            while (!peek().isSymbol("}")) {
                Token t = next();
                if (t.kind() == Token.Kind.EOF || ++guard > 64) {
                    throw new ParseFailure("bad subscript");
                }
                sb.append(t.text());
            }
            next();
        } else {
            Token t = next();
            if (t.kind() == Token.Kind.NUMBER) {
                sb.append(t.text().charAt(0));
                splitRest(t);
            } else if (t.kind() == Token.Kind.LETTER || t.kind() == Token.Kind.COMMAND) {
                sb.append(t.text());
            } else {
                throw new ParseFailure("bad subscript");
            }
        }
        return sb.toString();
    }

    /** After taking the first digit of a number token, pushes its remaining digits back. */
    private void splitRest(Token numberToken) {
        if (numberToken.text().length() > 1) {
            pos--;
            tokens.set(pos, new Token(Token.Kind.NUMBER, numberToken.text().substring(1)));
            leftoverDigitsAt = pos;
        }
    }

    private Expr word(String w) {
        switch (w) {
            case "pi":
                return new Const(Constant.PI);
            case "inf":
            case "infinity":
                return new Const(Constant.INFINITY);
            case "sqrt":
                return new Root(new Num(BigFraction.TWO), functionArgument());
            case "log":
                return logarithm();
            default:
                return function(FUNCTIONS.get(w));
        }
    }

    private Expr command(String c) {
        if (FRACTIONS.contains(c)) {
            Expr num = latexArgument();
            Expr den = latexArgument();
            return new Quotient(num, den);
        }
        if (BINOMIALS.contains(c)) {
            Expr n = latexArgument();
            Expr k = latexArgument();
            return new Binomial(n, k);
        }
        if (FUNCTIONS.containsKey(c)) {
            return function(FUNCTIONS.get(c));
        }
        if (GREEK.contains(c)) {
            return new Var(c + subscript());
        }
        switch (c) {
            case "sqrt": {
                Expr index = new Num(BigFraction.TWO);
                if (peek().isSymbol("[")) {
                    next();
                    index = parseList();
                    expectSymbol("]");
                }
                return new Root(index, latexArgument());
            }
            case "pi":
                return new Const(Constant.PI);
            case "infty":
            case "infin":
                return new Const(Constant.INFINITY);
            case "log":
                return logarithm();
            case "emptyset":
            case "varnothing":
                return new Sequence(List.of(), '{', '}');
            case "{":
                return set();
            case "lfloor":
                return delimited(Function.FLOOR, "rfloor");
            case "lceil":
                return delimited(Function.CEIL, "rceil");
            default:
                if (!isSymbolCommand(c)) {
                    throw new ParseFailure("unknown command \\" + c);
                }
                // any other command names a symbol (\\zzz, \\angle, \\sum): equal only to itself
                return new Var("\\" + c + subscript());
        }
    }

    /** {@code \lfloor x \rfloor} and {@code \lceil x \rceil}. */
    private Expr delimited(Function f, String closing) {
        Expr inner = parseSum();
        if (!peek().isCommand(closing)) {
            throw new ParseFailure("missing \\" + closing);
        }
        next();
        return new Call(f, inner);
    }

    private Expr function(Function f) {
        Expr power = null;
        if (peek().isSymbol("^")) {
            // \sin^2 x means (\sin x)^2
            next();
            power = parseExponent();
        }
        Expr e = new Call(f, functionArgument());
        return power == null ? e : new Power(e, power);
    }

    private Expr logarithm() {
        Expr base = new Const(Constant.E);
        if (peek().isSymbol("_")) {
            next();
            base = latexArgument();
        }
        Expr power = null;
        if (peek().isSymbol("^")) {
            next();
            power = parseExponent();
        }
        Expr e = new Log(base, functionArgument());
        return power == null ? e : new Power(e, power);
    }

    /** The argument of a function: a bracketed group, or the next power-level operand. */
    private Expr functionArgument() {
        if (peek().isSymbol("{")) {
            return latexArgument();
        }
        return parsePower();
    }

    /**
     * A LaTeX macro argument: a braced group, a bracketed group, or a single token, where a number
     * token gives only its first digit ({@code \frac12} is one half).
     */
    private Expr latexArgument() {
        enter();
        try {
            Token t = peek();
            if (t.isSymbol("{")) {
                next();
                Expr e = parseList();
                expectSymbol("}");
                return e;
            }
            if (t.isSymbol("(")) {
                return parsePrimary();
            }
            if (t.kind() == Token.Kind.NUMBER) {
                next();
                char first = t.text().charAt(0);
                if (first == '.') {
                    throw new ParseFailure("bad macro argument");
                }
                splitRest(t);
                return new Num(new BigFraction(first - '0'));
            }
            if (t.kind() == Token.Kind.LETTER || t.kind() == Token.Kind.COMMAND) {
                return parsePrimary();
            }
            throw new ParseFailure("missing macro argument");
        } finally {
            leave();
        }
    }

    private Expr set() {
        List<Expr> items = new ArrayList<>();
        if (peek().isCommand("}")) {
            next();
            return new Sequence(items, '{', '}');
        }
        Expr inner = parseList();
        if (!peek().isCommand("}")) {
            throw new ParseFailure("unclosed \\{");
        }
        next();
        if (inner instanceof Sequence s && s.isBare()) {
            items.addAll(s.items());
        } else {
            items.add(inner);
        }
        return new Sequence(items, '{', '}');
    }

    private Expr bracketed(String open) {
        switch (open) {
            case "(", "[" -> {
                Expr inner = parseList();
                Token close = next();
                if (!close.isSymbol(")") && !close.isSymbol("]")) {
                    throw new ParseFailure("unclosed " + open);
                }
                List<Expr> items = inner instanceof Sequence s && s.isBare() ? s.items() : List.of(inner);
                if (items.size() == 1) {
                    if ((open.equals("(") && close.text().equals(")")) || (open.equals("[") && close.text().equals("]"))) {
                        return inner;
                    }
                    throw new ParseFailure("mismatched brackets");
                }
                return new Sequence(items, open.charAt(0), close.text().charAt(0));
            }
            case "{" -> {
                if (peek().isSymbol("}")) {
                    next();
                    return new Sequence(List.of(), '{', '}');
                }
                // plain braces only group in LaTeX: {1,3} is the list 1, 3 (a set is written \\{1,3\\})
                Expr inner = parseList();
                expectSymbol("}");
                return inner;
            }
            case "|" -> {
                openAbs++;
                try {
                    Expr inner = parseSum();
                    expectSymbol("|");
                    return new Call(Function.ABS, inner);
                } finally {
                    openAbs--;
                }
            }
            default -> throw new ParseFailure("unexpected '" + open + "'");
        }
    }

    private Expr matrix(String env) {
        if (!MATRIX_ENVS.contains(env)) {
            throw new ParseFailure("unsupported environment " + env);
        }
        if (env.equals("array") && peek().isSymbol("{")) {
            // column specification such as {cc}
            while (!peek().isSymbol("}") && peek().kind() != Token.Kind.EOF) {
                next();
            }
            expectSymbol("}");
        }
        List<List<Expr>> rows = new ArrayList<>();
        List<Expr> row = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Token.Kind.END) {
                next();
                break;
            }
            if (t.kind() == Token.Kind.EOF) {
                throw new ParseFailure("unterminated matrix");
            }
            row.add(parseRelation());
            if (peek().isSymbol("&")) {
                next();
            } else if (peek().isCommand("\\")) {
                next();
                rows.add(row);
                row = new ArrayList<>();
            } else if (peek().kind() != Token.Kind.END) {
                throw new ParseFailure("unexpected '" + peek().text() + "' in matrix");
            }
        }
        if (!row.isEmpty()) {
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new ParseFailure("empty matrix");
        }
        int width = rows.get(0).size();
        for (List<Expr> r : rows) {
            if (r.size() != width) {
                throw new ParseFailure("ragged matrix");
            }
        }
        return new Matrix(rows);
    }

    private static Expr negate(Expr e) {
        if (e instanceof Num n) {
            return new Num(n.value().negate(), n.decimal());
        }
        if (e instanceof Neg n) {
            return n.operand();
        }
        return new Neg(e);
    }

    /** Parses a decimal or scientific literal exactly. */
    static Num number(String text) {
        try {
            BigDecimal d = new BigDecimal(text.startsWith(".") ? "0" + text : text);
            if (Math.abs((long) d.scale()) > MAX_DECIMAL_EXPONENT) {
                throw new ParseFailure("number exponent too large");
            }
            BigInteger unscaled = d.unscaledValue();
            int scale = d.scale();
            BigFraction value = scale >= 0
                    ? new BigFraction(unscaled, BigInteger.TEN.pow(scale))
                    : new BigFraction(unscaled.multiply(BigInteger.TEN.pow(-scale)));
            int point = text.indexOf('.');
            boolean decimal = point >= 0 && point + 1 < text.length() && Lexer.isDigit(text.charAt(point + 1));
            return new Num(value, decimal);
        } catch (NumberFormatException e) {
            throw new ParseFailure("bad number " + text);
        }
    }
}
