package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.internal.Expr.Binomial;
import dev.r1j.rewards.math.internal.Expr.Call;
import dev.r1j.rewards.math.internal.Expr.Const;
import dev.r1j.rewards.math.internal.Expr.Factorial;
import dev.r1j.rewards.math.internal.Expr.Log;
import dev.r1j.rewards.math.internal.Expr.Neg;
import dev.r1j.rewards.math.internal.Expr.Num;
import dev.r1j.rewards.math.internal.Expr.Percent;
import dev.r1j.rewards.math.internal.Expr.Power;
import dev.r1j.rewards.math.internal.Expr.Product;
import dev.r1j.rewards.math.internal.Expr.Quotient;
import dev.r1j.rewards.math.internal.Expr.Root;
import dev.r1j.rewards.math.internal.Expr.Sum;
import dev.r1j.rewards.math.internal.Expr.Var;
import java.math.BigInteger;
import java.util.Map;
import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Evaluates a scalar expression in complex double precision, so that {@code 3+4i} and square roots
 * of negative values have a value. Anything undefined (division by zero, a structure where a number
 * was expected, an unbound variable) yields NaN; overflow yields an infinite or NaN value. Callers
 * treat non-finite results as "no information", never as equality.
 */
public final class NumericEvaluator {

    private static final int MAX_FACTORIAL = 170;

    private final Map<String, Complex> env;
    private final Budget budget;

    private NumericEvaluator(Map<String, Complex> env, Budget budget) {
        this.env = env;
        this.budget = budget;
    }

    /** The value of {@code e} with variables bound by {@code env}; NaN when undefined. */
    public static Complex evaluate(Expr e, Map<String, Complex> env, Budget budget) {
        return new NumericEvaluator(env, budget).eval(e);
    }

    /** Whether {@code z} is a finite complex number. */
    public static boolean isFinite(Complex z) {
        return Double.isFinite(z.getReal()) && Double.isFinite(z.getImaginary());
    }

    private Complex eval(Expr e) {
        budget.tick();
        if (e instanceof Num n) {
            return new Complex(n.value().doubleValue());
        } else if (e instanceof Var v) {
            Complex z = env.get(v.name());
            return z == null ? Complex.NaN : z;
        } else if (e instanceof Const c) {
            return switch (c.which()) {
                case PI -> new Complex(Math.PI);
                case E -> new Complex(Math.E);
                case I -> Complex.I;
                case INFINITY -> new Complex(Double.POSITIVE_INFINITY);
            };
        } else if (e instanceof Sum s) {
            double re = 0;
            double im = 0;
            for (Expr t : s.terms()) {
                Complex z = eval(t);
                re += z.getReal();
                im += z.getImaginary();
            }
            return new Complex(re, im);
        } else if (e instanceof Product p) {
            Complex acc = Complex.ONE;
            for (Expr f : p.factors()) {
                acc = multiply(acc, eval(f));
            }
            return acc;
        } else if (e instanceof Neg n) {
            Complex z = eval(n.operand());
            return new Complex(-z.getReal(), -z.getImaginary());
        } else if (e instanceof Quotient q) {
            Complex a = eval(q.numerator());
            Complex b = eval(q.denominator());
            if (b.getReal() == 0 && b.getImaginary() == 0) {
                return Complex.NaN;
            }
            if (b.getImaginary() == 0 && a.getImaginary() == 0) {
                return new Complex(a.getReal() / b.getReal());
            }
            return a.divide(b);
        } else if (e instanceof Power p) {
            Complex base = eval(p.base());
            if (base.getImaginary() == 0 && base.getReal() < 0 && p.exponent() instanceof Quotient q
                    && q.numerator() instanceof Num a && q.denominator() instanceof Num b) {
                // x^{2/3} of a negative x: the real cube root squared, as \\sqrt[3]{x}^2 reads
                Double real = realPower(base.getReal(), a.value().divide(b.value()));
                if (real != null) {
                    return new Complex(real);
                }
            }
            return power(base, eval(p.exponent()));
        } else if (e instanceof Root r) {
            Complex index = eval(r.index());
            Complex radicand = eval(r.radicand());
            if (index.getImaginary() != 0 || index.getReal() == 0) {
                return Complex.NaN;
            }
            double k = index.getReal();
            if (radicand.getImaginary() == 0 && radicand.getReal() < 0 && isOddInteger(k)) {
                return new Complex(-Math.pow(-radicand.getReal(), 1.0 / k));
            }
            if (k == 2) {
                return sqrt(radicand);
            }
            return power(radicand, new Complex(1.0 / k));
        } else if (e instanceof Call c) {
            if (c.argument() instanceof Expr.Degrees d && isTrigonometric(c.function())) {
                // \sin 60^\circ: the degree sign converts to radians inside trigonometric functions
                Complex z = eval(d.value());
                return call(c.function(), new Complex(z.getReal() * Math.PI / 180, z.getImaginary() * Math.PI / 180));
            }
            return call(c.function(), eval(c.argument()));
        } else if (e instanceof Log l) {
            Complex base = eval(l.base());
            Complex arg = eval(l.argument());
            Complex lb = log(base);
            if (lb.getReal() == 0 && lb.getImaginary() == 0) {
                return Complex.NaN;
            }
            Complex la = log(arg);
            if (la.getImaginary() == 0 && lb.getImaginary() == 0) {
                return new Complex(la.getReal() / lb.getReal());
            }
            return la.divide(lb);
        } else if (e instanceof Factorial f) {
            Complex z = eval(f.operand());
            double n = z.getReal();
            if (z.getImaginary() != 0 || n < 0 || n != Math.rint(n)) {
                return Complex.NaN;
            }
            if (n > MAX_FACTORIAL) {
                return new Complex(Double.POSITIVE_INFINITY);
            }
            double acc = 1;
            for (int i = 2; i <= (int) n; i++) {
                acc *= i;
            }
            return new Complex(acc);
        } else if (e instanceof Binomial b) {
            Complex n = eval(b.n());
            Complex k = eval(b.k());
            double nn = n.getReal();
            double kk = k.getReal();
            if (n.getImaginary() != 0 || k.getImaginary() != 0 || nn != Math.rint(nn) || kk != Math.rint(kk)
                    || nn < 0 || nn > 1e6) {
                return Complex.NaN;
            }
            if (kk < 0 || kk > nn) {
                return Complex.ZERO;
            }
            double acc = 1;
            for (int i = 1; i <= (int) kk; i++) {
                acc = acc * (nn - kk + i) / i;
            }
            return new Complex(acc);
        } else if (e instanceof Percent p) {
            Complex z = eval(p.value());
            return new Complex(z.getReal() / 100, z.getImaginary() / 100);
        } else if (e instanceof Expr.Degrees d) {
            return eval(d.value());
        }
        return Complex.NaN;
    }

    /** The real value of {@code base^exponent} for a negative base and a rational exponent with an odd denominator. */
    private static Double realPower(double base, BigFraction exponent) {
        BigInteger den = exponent.getDenominator();
        BigInteger num = exponent.getNumerator();
        if (den.bitLength() > 20 || num.bitLength() > 20 || !den.testBit(0)) {
            return null;
        }
        double magnitude = Math.pow(-base, exponent.doubleValue());
        return num.testBit(0) ? -magnitude : magnitude;
    }

    private static boolean isTrigonometric(Expr.Function f) {
        return switch (f) {
            case SIN, COS, TAN, SEC, CSC, COT -> true;
            default -> false;
        };
    }

    private static boolean isOddInteger(double k) {
        return k == Math.rint(k) && Math.abs(k) < 1e9 && ((long) Math.abs(k)) % 2 == 1;
    }

    private static Complex multiply(Complex a, Complex b) {
        if (a.getImaginary() == 0 && b.getImaginary() == 0) {
            return new Complex(a.getReal() * b.getReal());
        }
        return new Complex(a.getReal() * b.getReal() - a.getImaginary() * b.getImaginary(),
                a.getReal() * b.getImaginary() + a.getImaginary() * b.getReal());
    }

    private static Complex sqrt(Complex z) {
        if (z.getImaginary() == 0 && z.getReal() >= 0) {
            return new Complex(Math.sqrt(z.getReal()));
        }
        return z.sqrt();
    }

    private static Complex log(Complex z) {
        if (z.getImaginary() == 0 && z.getReal() > 0) {
            return new Complex(Math.log(z.getReal()));
        }
        if (z.getReal() == 0 && z.getImaginary() == 0) {
            return Complex.NaN;
        }
        return z.log();
    }

    /** Principal power, exact for small integer exponents and real for positive real bases. */
    static Complex power(Complex base, Complex exponent) {
        if (!isFinite(base) || !isFinite(exponent)) {
            return Complex.NaN;
        }
        boolean realExponent = exponent.getImaginary() == 0;
        double x = exponent.getReal();
        if (base.getReal() == 0 && base.getImaginary() == 0 && exponent.getReal() <= 0) {
            return Complex.NaN; // 0^0 and 0^-n are undefined
        }
        if (realExponent && x == Math.rint(x) && Math.abs(x) <= 64) {
            int n = (int) Math.abs(x);
            Complex acc = Complex.ONE;
            Complex b = base;
            while (n > 0) {
                if ((n & 1) == 1) {
                    acc = multiply(acc, b);
                }
                b = multiply(b, b);
                n >>= 1;
            }
            if (x < 0) {
                if (acc.getReal() == 0 && acc.getImaginary() == 0) {
                    return Complex.NaN;
                }
                return acc.getImaginary() == 0 ? new Complex(1 / acc.getReal()) : Complex.ONE.divide(acc);
            }
            return acc;
        }
        if (base.getImaginary() == 0 && realExponent) {
            double b = base.getReal();
            if (b > 0) {
                return new Complex(Math.pow(b, x));
            }
            if (b == 0) {
                return x > 0 ? Complex.ZERO : Complex.NaN;
            }
        }
        if (base.getReal() == 0 && base.getImaginary() == 0) {
            return exponent.getReal() > 0 ? Complex.ZERO : Complex.NaN;
        }
        return base.log().multiply(exponent).exp();
    }

    private static Complex call(Expr.Function f, Complex z) {
        boolean real = z.getImaginary() == 0;
        double x = z.getReal();
        switch (f) {
            case SIN:
                return real ? new Complex(Math.sin(x)) : z.sin();
            case COS:
                return real ? new Complex(Math.cos(x)) : z.cos();
            case TAN:
                return real ? new Complex(Math.tan(x)) : z.tan();
            case SEC:
                return Complex.ONE.divide(real ? new Complex(Math.cos(x)) : z.cos());
            case CSC:
                return Complex.ONE.divide(real ? new Complex(Math.sin(x)) : z.sin());
            case COT:
                return Complex.ONE.divide(real ? new Complex(Math.tan(x)) : z.tan());
            case ASIN:
                return real && Math.abs(x) <= 1 ? new Complex(Math.asin(x)) : z.asin();
            case ACOS:
                return real && Math.abs(x) <= 1 ? new Complex(Math.acos(x)) : z.acos();
            case ATAN:
                return real ? new Complex(Math.atan(x)) : z.atan();
            case SINH:
                return real ? new Complex(Math.sinh(x)) : z.sinh();
            case COSH:
                return real ? new Complex(Math.cosh(x)) : z.cosh();
            case TANH:
                return real ? new Complex(Math.tanh(x)) : z.tanh();
            case LN:
                return log(z);
            case EXP:
                return real ? new Complex(Math.exp(x)) : z.exp();
            case SQRT:
                return sqrt(z);
            case ABS:
                return new Complex(z.abs());
            case FLOOR:
                return real ? new Complex(Math.floor(x)) : Complex.NaN;
            case CEIL:
                return real ? new Complex(Math.ceil(x)) : Complex.NaN;
            default:
                return Complex.NaN;
        }
    }
}
