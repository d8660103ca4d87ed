package dev.r1j.rewards.math.internal;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.math3.fraction.BigFraction;

/** A scalar math expression: the tree the parser builds and the comparisons evaluate. */
public sealed interface Expr {

    /** An exact rational number. */
    record Num(BigFraction value) implements Expr {}

    /** A named constant ({@code pi}, {@code e}, {@code i}, {@code inf}) or a variable. */
    record Sym(String name) implements Expr {}

    /** Sum of terms. */
    record Sum(List<Expr> terms) implements Expr {}

    /** Product of factors. */
    record Product(List<Expr> factors) implements Expr {}

    record Neg(Expr arg) implements Expr {}

    record Div(Expr numerator, Expr denominator) implements Expr {}

    record Pow(Expr base, Expr exponent) implements Expr {}

    /** A function of one argument: sqrt, sin, cos, tan, ln, log (base 10), exp, abs, and so on. */
    record Fn(String name, Expr arg) implements Expr {}

    /** An n-th root. */
    record Root(Expr index, Expr arg) implements Expr {}

    record Factorial(Expr arg) implements Expr {}

    Set<String> CONSTANTS = Set.of("pi", "e", "i", "inf");

    /** The direct sub-expressions of {@code e}. */
    static List<Expr> children(Expr e) {
        if (e instanceof Sum s) {
            return s.terms();
        } else if (e instanceof Product p) {
            return p.factors();
        } else if (e instanceof Neg n) {
            return List.of(n.arg());
        } else if (e instanceof Div d) {
            return List.of(d.numerator(), d.denominator());
        } else if (e instanceof Pow p) {
            return List.of(p.base(), p.exponent());
        } else if (e instanceof Fn f) {
            return List.of(f.arg());
        } else if (e instanceof Root r) {
            return List.of(r.index(), r.arg());
        } else if (e instanceof Factorial f) {
            return List.of(f.arg());
        }
        return List.of();
    }

    /** The free variables of {@code e} (constants excluded), sorted. */
    static Set<String> variables(Expr e) {
        Set<String> out = new TreeSet<>();
        collect(e, out);
        return out;
    }

    private static void collect(Expr e, Set<String> out) {
        if (e instanceof Sym s && !CONSTANTS.contains(s.name())) {
            out.add(s.name());
        }
        for (Expr c : children(e)) {
            collect(c, out);
        }
    }

    /** Whether {@code e} mentions the symbol {@code name}. */
    static boolean mentions(Expr e, String name) {
        if (e instanceof Sym s) {
            return s.name().equals(name);
        }
        for (Expr c : children(e)) {
            if (mentions(c, name)) {
                return true;
            }
        }
        return false;
    }
}
