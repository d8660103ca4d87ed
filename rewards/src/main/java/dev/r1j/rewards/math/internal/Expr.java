package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * The immutable expression tree that answers are parsed into. Scalar nodes (numbers, variables,
 * arithmetic, functions) describe one value; structural nodes (sequences, unions, relations,
 * matrices) describe answers made of several values. Trees are shallow by construction: the parser
 * refuses input nested deeper than a fixed limit, so recursive walks over them cannot overflow the stack.
 */
public sealed interface Expr {

    /**
     * An exact rational literal (integers and decimals are both exact).
     *
     * @param value   its value
     * @param decimal whether it was written with decimal places ({@code 0.3333}): such a number may be
     *                an approximation, and is also compared after rounding
     */
    record Num(BigFraction value, boolean decimal) implements Expr {
        public Num(BigFraction value) {
            this(value, false);
        }
    }

    /** A free variable such as {@code x}, {@code y_1} or {@code alpha}. */
    record Var(String name) implements Expr {
    }

    /** Named constants. */
    enum Constant { PI, E, I, INFINITY }

    /** A named constant. */
    record Const(Constant which) implements Expr {
    }

    /** The sum of its terms. */
    record Sum(List<Expr> terms) implements Expr {
        public Sum {
            terms = List.copyOf(terms);
        }
    }

    /** The product of its factors. */
    record Product(List<Expr> factors) implements Expr {
        public Product {
            factors = List.copyOf(factors);
        }
    }

    /** Negation. */
    record Neg(Expr operand) implements Expr {
    }

    /** A quotient. */
    record Quotient(Expr numerator, Expr denominator) implements Expr {
    }

    /** A power. */
    record Power(Expr base, Expr exponent) implements Expr {
    }

    /** Functions of one argument. */
    enum Function {
        SIN, COS, TAN, SEC, CSC, COT, ASIN, ACOS, ATAN, SINH, COSH, TANH, LN, EXP, SQRT, ABS, FLOOR, CEIL
    }

    /** A function applied to one argument. */
    record Call(Function function, Expr argument) implements Expr {
    }

    /** The real {@code index}-th root of {@code radicand} (odd roots of negative numbers are negative). */
    record Root(Expr index, Expr radicand) implements Expr {
    }

    /** A logarithm to a given base. */
    record Log(Expr base, Expr argument) implements Expr {
    }

    /** {@code n!} */
    record Factorial(Expr operand) implements Expr {
    }

    /** {@code n choose k} */
    record Binomial(Expr n, Expr k) implements Expr {
    }

    /** {@code left ± right}: stands for the two values {@code left + right} and {@code left - right}. */
    record PlusMinus(Expr left, Expr right) implements Expr {
    }

    /** A value written with a percent sign; its numeric value is {@code value / 100}. */
    record Percent(Expr value) implements Expr {
    }

    /** An angle written with a degree sign; as a number it is {@code value} (the sign read as a unit). */
    record Degrees(Expr value) implements Expr {
    }

    /**
     * Several values between brackets: {@code open} and {@code close} are one of {@code ( ) [ ] { }},
     * or {@code 0} for a bare comma-separated list. {@code \{1,2\}} is a set, {@code (1,2)} a tuple or
     * an open interval, {@code [1,2)} an interval; the comparison decides which reading applies.
     */
    record Sequence(List<Expr> items, char open, char close) implements Expr {
        public Sequence {
            items = List.copyOf(items);
        }

        public boolean isSet() {
            return open == '{';
        }

        public boolean isBare() {
            return open == 0;
        }
    }

    /** A union of intervals or sets. */
    record Union(List<Expr> parts) implements Expr {
        public Union {
            parts = List.copyOf(parts);
        }
    }

    /** Relational operators; {@code APPROX} is {@code \\approx}, an equality that states a rounded value. */
    enum RelOp { EQ, APPROX, NE, LT, LE, GT, GE }

    /** A chain {@code a op b op c ...}: {@code operands.size() == ops.size() + 1}. */
    record Relation(List<Expr> operands, List<RelOp> ops) implements Expr {
        public Relation {
            operands = List.copyOf(operands);
            ops = List.copyOf(ops);
        }
    }

    /** A matrix given row by row. */
    record Matrix(List<List<Expr>> rows) implements Expr {
        public Matrix {
            List<List<Expr>> copy = new ArrayList<>(rows.size());
            for (List<Expr> row : rows) {
                copy.add(List.copyOf(row));
            }
            rows = List.copyOf(copy);
        }
    }

    /** Whether {@code e} or any node below it satisfies {@code test}. */
    static boolean anyNode(Expr e, Predicate<Expr> test) {
        if (test.test(e)) {
            return true;
        }
        for (Expr c : children(e)) {
            if (anyNode(c, test)) {
                return true;
            }
        }
        return false;
    }

    /** The direct children of {@code e}, in order. */
    static List<Expr> children(Expr e) {
        if (e instanceof Sum s) {
            return s.terms();
        } else if (e instanceof Product p) {
            return p.factors();
        } else if (e instanceof Neg n) {
            return List.of(n.operand());
        } else if (e instanceof Quotient q) {
            return List.of(q.numerator(), q.denominator());
        } else if (e instanceof Power p) {
            return List.of(p.base(), p.exponent());
        } else if (e instanceof Call c) {
            return List.of(c.argument());
        } else if (e instanceof Root r) {
            return List.of(r.index(), r.radicand());
        } else if (e instanceof Log l) {
            return List.of(l.base(), l.argument());
        } else if (e instanceof Factorial f) {
            return List.of(f.operand());
        } else if (e instanceof Binomial b) {
            return List.of(b.n(), b.k());
        } else if (e instanceof PlusMinus pm) {
            return List.of(pm.left(), pm.right());
        } else if (e instanceof Percent p) {
            return List.of(p.value());
        } else if (e instanceof Degrees d) {
            return List.of(d.value());
        } else if (e instanceof Sequence s) {
            return s.items();
        } else if (e instanceof Union u) {
            return u.parts();
        } else if (e instanceof Relation r) {
            return r.operands();
        } else if (e instanceof Matrix m) {
            List<Expr> all = new ArrayList<>();
            m.rows().forEach(all::addAll);
            return all;
        }
        return List.of();
    }

    /** {@code e} with each direct child replaced by {@code f(child)}; leaves are returned unchanged. */
    static Expr mapChildren(Expr e, UnaryOperator<Expr> f) {
        if (e instanceof Sum s) {
            return new Sum(s.terms().stream().map(f).toList());
        } else if (e instanceof Product p) {
            return new Product(p.factors().stream().map(f).toList());
        } else if (e instanceof Neg n) {
            return new Neg(f.apply(n.operand()));
        } else if (e instanceof Quotient q) {
            return new Quotient(f.apply(q.numerator()), f.apply(q.denominator()));
        } else if (e instanceof Power p) {
            return new Power(f.apply(p.base()), f.apply(p.exponent()));
        } else if (e instanceof Call c) {
            return new Call(c.function(), f.apply(c.argument()));
        } else if (e instanceof Root r) {
            return new Root(f.apply(r.index()), f.apply(r.radicand()));
        } else if (e instanceof Log l) {
            return new Log(f.apply(l.base()), f.apply(l.argument()));
        } else if (e instanceof Factorial fa) {
            return new Factorial(f.apply(fa.operand()));
        } else if (e instanceof Binomial b) {
            return new Binomial(f.apply(b.n()), f.apply(b.k()));
        } else if (e instanceof PlusMinus pm) {
            return new PlusMinus(f.apply(pm.left()), f.apply(pm.right()));
        } else if (e instanceof Percent p) {
            return new Percent(f.apply(p.value()));
        } else if (e instanceof Degrees d) {
            return new Degrees(f.apply(d.value()));
        } else if (e instanceof Sequence s) {
            return new Sequence(s.items().stream().map(f).toList(), s.open(), s.close());
        } else if (e instanceof Union u) {
            return new Union(u.parts().stream().map(f).toList());
        } else if (e instanceof Relation r) {
            return new Relation(r.operands().stream().map(f).toList(), r.ops());
        } else if (e instanceof Matrix m) {
            return new Matrix(m.rows().stream().map(row -> row.stream().map(f).toList()).toList());
        }
        return e;
    }
}
