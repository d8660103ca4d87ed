package dev.r1j.rewards.math.internal;

import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.fraction.BigFraction;
import org.apache.commons.math3.special.Gamma;

/**
 * Values of expressions: exact rationals where the expression is rational (bounded: huge powers and
 * factorials give up instead of computing), and complex doubles otherwise, with variables bound to
 * given values. Never throws for mathematical reasons: what has no value is NaN or empty.
 */
public final class Evaluator {

    /** Largest size, in bits, of an exact intermediate numerator or denominator. */
    static final int MAX_BITS = 1 << 16;

    private Evaluator() {}

    /** The exact value of {@code e} if it is a rational number computable within the bounds. */
    public static Optional<BigFraction> exact(Expr e, Budget budget) {
        try {
            return Optional.ofNullable(rational(e, budget));
        } catch (ArithmeticException tooBigOrUndefined) {
            return Optional.empty();
        }
    }

    private static BigFraction rational(Expr e, Budget budget) {
        budget.check();
        if (e instanceof Expr.Num n) {
            return n.value();
        }
        if (e instanceof Expr.Neg n) {
            BigFraction a = rational(n.arg(), budget);
            return a == null ? null : a.negate();
        }
        if (e instanceof Expr.Sum s) {
            BigFraction acc = BigFraction.ZERO;
            for (Expr t : s.terms()) {
                BigFraction v = rational(t, budget);
                if (v == null) {
                    return null;
                }
                acc = bounded(acc.add(v));
            }
            return acc;
        }
        if (e instanceof Expr.Product p) {
            BigFraction acc = BigFraction.ONE;
            for (Expr f : p.factors()) {
                BigFraction v = rational(f, budget);
                if (v == null) {
                    return null;
                }
                acc = bounded(acc.multiply(v));
            }
            return acc;
        }
        if (e instanceof Expr.Div d) {
            BigFraction a = rational(d.numerator(), budget);
            BigFraction b = a == null ? null : rational(d.denominator(), budget);
            if (b == null) {
                return null;
            }
            if (b.getNumerator().signum() == 0) {
                throw new ArithmeticException("division by zero");
            }
            return bounded(a.divide(b));
        }
        if (e instanceof Expr.Pow p) {
            BigFraction base = rational(p.base(), budget);
            BigFraction exp = base == null ? null : rational(p.exponent(), budget);
            if (exp == null || !exp.getDenominator().equals(BigInteger.ONE)) {
                return null;
            }
            BigInteger n = exp.getNumerator();
            if (n.bitLength() > 31) {
                throw new ArithmeticException("exponent too large");
            }
            int k = n.intValue();
            long bits = (long) Math.max(base.getNumerator().bitLength(), base.getDenominator().bitLength()) * Math.abs((long) k);
            if (bits > MAX_BITS) {
                throw new ArithmeticException("power too large");
            }
            if (k < 0 && base.getNumerator().signum() == 0) {
                throw new ArithmeticException("zero to a negative power");
            }
            return k >= 0 ? base.pow(k) : base.pow(-k).reciprocal();
        }
        if (e instanceof Expr.Factorial f) {
            BigFraction a = rational(f.arg(), budget);
            if (a == null || !a.getDenominator().equals(BigInteger.ONE) || a.getNumerator().signum() < 0
                    || a.getNumerator().compareTo(BigInteger.valueOf(2000)) > 0) {
                return null;
            }
            BigInteger acc = BigInteger.ONE;
            for (int i = 2; i <= a.getNumerator().intValue(); i++) {
                acc = acc.multiply(BigInteger.valueOf(i));
            }
            return new BigFraction(acc);
        }
        if (e instanceof Expr.Fn fn && (fn.name().equals("sqrt") || fn.name().equals("abs"))) {
            BigFraction a = rational(fn.arg(), budget);
            if (a == null) {
                return null;
            }
            if (fn.name().equals("abs")) {
                return a.abs();
            }
            if (a.getNumerator().signum() < 0) {
                return null;
            }
            BigInteger rn = a.getNumerator().sqrt();
            BigInteger rd = a.getDenominator().sqrt();
            return rn.multiply(rn).equals(a.getNumerator()) && rd.multiply(rd).equals(a.getDenominator())
                    ? new BigFraction(rn, rd) : null;
        }
        return null;
    }

    private static BigFraction bounded(BigFraction f) {
        if (f.getNumerator().bitLength() > MAX_BITS || f.getDenominator().bitLength() > MAX_BITS) {
            throw new ArithmeticException("value too large");
        }
        return f;
    }

    /** The complex value of {@code e} with {@code vars} bound; NaN where undefined. */
    public static Complex numeric(Expr e, Map<String, Double> vars, Budget budget) {
        budget.check();
        if (e instanceof Expr.Num n) {
            return new Complex(n.value().doubleValue());
        }
        if (e instanceof Expr.Sym s) {
            switch (s.name()) {
                case "pi": return new Complex(Math.PI);
                case "e": return vars.containsKey("e") ? new Complex(vars.get("e")) : new Complex(Math.E);
                case "i": return vars.containsKey("i") ? new Complex(vars.get("i")) : Complex.I;
                case "inf": return new Complex(Double.POSITIVE_INFINITY);
                default:
                    Double v = vars.get(s.name());
                    return v == null ? Complex.NaN : new Complex(v);
            }
        }
        if (e instanceof Expr.Neg n) {
            return numeric(n.arg(), vars, budget).negate();
        }
        if (e instanceof Expr.Sum s) {
            Complex acc = Complex.ZERO;
            for (Expr t : s.terms()) {
                acc = acc.add(numeric(t, vars, budget));
            }
            return acc;
        }
        if (e instanceof Expr.Product p) {
            Complex acc = Complex.ONE;
            for (Expr f : p.factors()) {
                acc = acc.multiply(numeric(f, vars, budget));
            }
            return acc;
        }
        if (e instanceof Expr.Div d) {
            Complex b = numeric(d.denominator(), vars, budget);
            if (b.abs() == 0) {
                return Complex.NaN;
            }
            return numeric(d.numerator(), vars, budget).divide(b);
        }
        if (e instanceof Expr.Pow p) {
            return power(numeric(p.base(), vars, budget), numeric(p.exponent(), vars, budget));
        }
        if (e instanceof Expr.Root r) {
            Complex n = numeric(r.index(), vars, budget);
            Complex x = numeric(r.arg(), vars, budget);
            if (isReal(n) && isReal(x) && x.getReal() < 0 && Math.rint(n.getReal()) == n.getReal()
                    && ((long) n.getReal()) % 2 != 0) {
                return new Complex(-Math.pow(-x.getReal(), 1.0 / n.getReal())); // odd root of a negative
            }
            return power(x, Complex.ONE.divide(n));
        }
        if (e instanceof Expr.Factorial f) {
            Complex a = numeric(f.arg(), vars, budget);
            if (!isReal(a) || a.getReal() < 0 || a.getReal() > 170) {
                return Complex.NaN;
            }
            return new Complex(Gamma.gamma(a.getReal() + 1));
        }
        if (e instanceof Expr.Fn fn) {
            Complex a = numeric(fn.arg(), vars, budget);
            return switch (fn.name()) {
                // Real inputs get the principal root explicitly: a negated real carries -0.0 as its
                // imaginary part, and the complex square root would then answer -i instead of i.
                case "sqrt" -> !isReal(a) ? a.sqrt() : a.getReal() >= 0 ? new Complex(Math.sqrt(a.getReal()))
                        : new Complex(0, Math.sqrt(-a.getReal()));
                case "sin" -> a.sin();
                case "cos" -> a.cos();
                case "tan" -> a.tan();
                case "cot" -> Complex.ONE.divide(a.tan());
                case "sec" -> Complex.ONE.divide(a.cos());
                case "csc" -> Complex.ONE.divide(a.sin());
                case "arcsin" -> a.asin();
                case "arccos" -> a.acos();
                case "arctan" -> a.atan();
                case "sinh" -> a.sinh();
                case "cosh" -> a.cosh();
                case "tanh" -> a.tanh();
                case "ln" -> a.log();
                case "log" -> a.log().divide(Math.log(10));
                case "exp" -> a.exp();
                case "abs" -> new Complex(a.abs());
                default -> Complex.NaN;
            };
        }
        return Complex.NaN;
    }

    private static Complex power(Complex base, Complex exp) {
        if (isReal(base) && isReal(exp)) {
            double b = base.getReal();
            double x = exp.getReal();
            if (b >= 0 || Math.rint(x) == x) {
                return new Complex(Math.pow(b, x));
            }
        }
        if (base.abs() == 0) {
            return exp.getReal() > 0 ? Complex.ZERO : Complex.NaN;
        }
        return base.pow(exp);
    }

    static boolean isReal(Complex c) {
        return c.getImaginary() == 0 && !Double.isNaN(c.getReal());
    }
}
