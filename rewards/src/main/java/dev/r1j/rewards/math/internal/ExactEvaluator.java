package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.internal.Expr.Binomial;
import dev.r1j.rewards.math.internal.Expr.Call;
import dev.r1j.rewards.math.internal.Expr.Factorial;
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
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Evaluates a scalar expression to an exact rational, or gives up (returns null) when the value is
 * not rational (a non-square root, pi), undefined (division by zero) or too large to hold: every
 * intermediate result is limited to {@link #MAX_BITS} bits, so {@code 2^{2^{2^{100}}}} is refused at
 * once instead of being computed.
 */
public final class ExactEvaluator {

    /** The largest numerator plus denominator size, in bits, of any intermediate value. */
    public static final int MAX_BITS = 1 << 15;

    private static final int MAX_FACTORIAL = 1000;
    private static final int MAX_ROOT_INDEX = 64;

    private final Map<String, BigFraction> env;
    private final Budget budget;

    private ExactEvaluator(Map<String, BigFraction> env, Budget budget) {
        this.env = env;
        this.budget = budget;
    }

    /** The exact value of {@code e} with variables bound by {@code env}, or null. */
    public static BigFraction evaluate(Expr e, Map<String, BigFraction> env, Budget budget) {
        return new ExactEvaluator(env, budget).eval(e);
    }

    private BigFraction eval(Expr e) {
        budget.tick();
        if (e instanceof Num n) {
            return n.value();
        } else if (e instanceof Var v) {
            return env.get(v.name());
        } else if (e instanceof Sum s) {
            BigFraction acc = BigFraction.ZERO;
            for (Expr t : s.terms()) {
                BigFraction v = eval(t);
                if (v == null) {
                    return null;
                }
                acc = bounded(acc.add(v));
                if (acc == null) {
                    return null;
                }
            }
            return acc;
        } else if (e instanceof Product p) {
            BigFraction acc = BigFraction.ONE;
            for (Expr f : p.factors()) {
                BigFraction v = eval(f);
                if (v == null) {
                    return null;
                }
                acc = bounded(acc.multiply(v));
                if (acc == null) {
                    return null;
                }
            }
            return acc;
        } else if (e instanceof Neg n) {
            BigFraction v = eval(n.operand());
            return v == null ? null : v.negate();
        } else if (e instanceof Quotient q) {
            BigFraction a = eval(q.numerator());
            if (a == null) {
                return null;
            }
            BigFraction b = eval(q.denominator());
            if (b == null || b.getNumerator().signum() == 0) {
                return null;
            }
            return bounded(a.divide(b));
        } else if (e instanceof Power p) {
            return power(p);
        } else if (e instanceof Root r) {
            BigFraction index = eval(r.index());
            BigFraction radicand = eval(r.radicand());
            if (index == null || radicand == null || !isInteger(index)) {
                return null;
            }
            int k = index.getNumerator().intValue();
            if (index.getNumerator().bitLength() > 7 || k < 1 || k > MAX_ROOT_INDEX) {
                return null;
            }
            if (radicand.getNumerator().signum() < 0) {
                if (k % 2 == 0) {
                    return null;
                }
                BigFraction root = root(radicand.negate(), k);
                return root == null ? null : root.negate();
            }
            return root(radicand, k);
        } else if (e instanceof Call c) {
            if (c.argument() instanceof Expr.Degrees) {
                return null; // an angle in degrees: the numeric evaluator converts it
            }
            BigFraction v = eval(c.argument());
            if (v == null) {
                return null;
            }
            return switch (c.function()) {
                case ABS -> v.abs();
                case SQRT -> v.getNumerator().signum() < 0 ? null : root(v, 2);
                case SIN, TAN, ASIN, ATAN, SINH, TANH -> v.getNumerator().signum() == 0 ? BigFraction.ZERO : null;
                case COS, COSH, SEC -> v.getNumerator().signum() == 0 ? BigFraction.ONE : null;
                case EXP -> v.getNumerator().signum() == 0 ? BigFraction.ONE : null;
                case LN -> v.equals(BigFraction.ONE) ? BigFraction.ZERO : null;
                case FLOOR -> new BigFraction(floorDiv(v.getNumerator(), v.getDenominator()));
                case CEIL -> new BigFraction(floorDiv(v.getNumerator(), v.getDenominator()).add(
                        isInteger(v) ? BigInteger.ZERO : BigInteger.ONE));
                default -> null;
            };
        } else if (e instanceof Factorial f) {
            BigFraction v = eval(f.operand());
            if (v == null || !isInteger(v) || v.getNumerator().signum() < 0 || v.getNumerator().bitLength() > 11) {
                return null;
            }
            int n = v.getNumerator().intValue();
            if (n > MAX_FACTORIAL) {
                return null;
            }
            BigInteger acc = BigInteger.ONE;
            for (int i = 2; i <= n; i++) {
                acc = acc.multiply(BigInteger.valueOf(i));
                budget.tick(acc.bitLength() / 64);
            }
            return bounded(new BigFraction(acc));
        } else if (e instanceof Binomial b) {
            BigFraction n = eval(b.n());
            BigFraction k = eval(b.k());
            if (n == null || k == null || !isInteger(n) || !isInteger(k) || n.getNumerator().signum() < 0
                    || n.getNumerator().bitLength() > 11 || k.getNumerator().bitLength() > 11) {
                return null;
            }
            int nn = n.getNumerator().intValue();
            int kk = k.getNumerator().intValue();
            if (kk < 0 || kk > nn) {
                return BigFraction.ZERO;
            }
            BigInteger acc = BigInteger.ONE;
            for (int i = 1; i <= kk; i++) {
                acc = acc.multiply(BigInteger.valueOf(nn - kk + i)).divide(BigInteger.valueOf(i));
                budget.tick(acc.bitLength() / 32);
            }
            return bounded(new BigFraction(acc));
        } else if (e instanceof Percent p) {
            BigFraction v = eval(p.value());
            return v == null ? null : v.divide(100);
        } else if (e instanceof Expr.Degrees d) {
            return eval(d.value());
        }
        return null;
    }

    private BigFraction power(Power p) {
        BigFraction base = eval(p.base());
        if (base == null) {
            return null;
        }
        BigFraction exponent = eval(p.exponent());
        if (exponent == null) {
            return null;
        }
        if (exponent.getNumerator().signum() == 0) {
            return base.getNumerator().signum() == 0 ? null : BigFraction.ONE;
        }
        if (base.getNumerator().signum() == 0) {
            return exponent.getNumerator().signum() > 0 ? BigFraction.ZERO : null;
        }
        if (base.equals(BigFraction.ONE)) {
            return BigFraction.ONE;
        }
        BigInteger q = exponent.getDenominator();
        BigInteger pnum = exponent.getNumerator();
        if (q.bitLength() > 7 || pnum.bitLength() > 31) {
            return null;
        }
        int k = q.intValue();
        long n = pnum.longValue();
        long baseBits = (long) base.getNumerator().bitLength() + base.getDenominator().bitLength();
        if (baseBits * Math.abs(n) / k > MAX_BITS) {
            return null;
        }
        BigFraction rooted = base;
        if (k > 1) {
            // principal powers of negative numbers with fractional exponents are not real
            if (base.getNumerator().signum() < 0 || k > MAX_ROOT_INDEX) {
                return null;
            }
            rooted = root(base, k);
            if (rooted == null) {
                return null;
            }
        }
        budget.tick(baseBits * Math.abs(n) / k / 8);
        BigFraction result = rooted.pow((int) Math.abs(n));
        if (n < 0) {
            result = result.reciprocal();
        }
        return bounded(result);
    }

    /** The exact non-negative k-th root of a non-negative rational, or null when it is irrational. */
    private BigFraction root(BigFraction v, int k) {
        if (v.getNumerator().signum() == 0 || k == 1) {
            return v;
        }
        budget.tick(((long) v.getNumerator().bitLength() + v.getDenominator().bitLength()) * k / 8);
        BigInteger num = integerRoot(v.getNumerator(), k);
        if (num == null) {
            return null;
        }
        BigInteger den = integerRoot(v.getDenominator(), k);
        if (den == null) {
            return null;
        }
        return new BigFraction(num, den);
    }

    private static BigInteger integerRoot(BigInteger n, int k) {
        if (k == 2) {
            BigInteger r = n.sqrt();
            return r.multiply(r).equals(n) ? r : null;
        }
        if (n.bitLength() > 2000) {
            return null;
        }
        double approx = Math.pow(n.doubleValue(), 1.0 / k);
        if (Double.isInfinite(approx) || Double.isNaN(approx)) {
            return null;
        }
        BigInteger guess = java.math.BigDecimal.valueOf(Math.rint(approx)).toBigInteger();
        for (int d = -1; d <= 1; d++) {
            BigInteger c = guess.add(BigInteger.valueOf(d));
            if (c.signum() >= 0 && c.pow(k).equals(n)) {
                return c;
            }
        }
        return null;
    }

    private static BigInteger floorDiv(BigInteger a, BigInteger b) {
        BigInteger[] qr = a.divideAndRemainder(b);
        return qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    }

    private static boolean isInteger(BigFraction v) {
        return v.getDenominator().equals(BigInteger.ONE);
    }

    /**
     * {@code v}, or null when it is too large; charges the budget by its size. Producing a fraction
     * took a multiplication and a gcd of numbers of its size, whose cost grows with the square of
     * the number of machine words, so the charge does too.
     */
    private BigFraction bounded(BigFraction v) {
        long bits = (long) v.getNumerator().bitLength() + v.getDenominator().bitLength();
        long words = bits / 64;
        budget.tick(bits / 16 + words * words / 2);
        return bits > MAX_BITS ? null : v;
    }
}
