package dev.r1j.rewards.math.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.Set;
import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Decides whether a predicted answer means the same as the gold one. The gold's shape steers: a gold
 * set is compared as a set, a gold interval as an interval, and so on. Scalars compare exactly when
 * both are rational, numerically (relative tolerance) when constants or radicals are involved, and by
 * evaluation at seeded random points when variables are.
 */
public final class Equivalence {

    private static final int POINTS = 24;
    private static final int MIN_VALID_POINTS = 6;
    private static final double POINT_TOLERANCE = 1e-6;

    private final double relativeTolerance;
    private final Budget budget;

    public Equivalence(double relativeTolerance, Budget budget) {
        this.relativeTolerance = relativeTolerance;
        this.budget = budget;
    }

    public boolean equal(Answer gold, Answer pred) {
        budget.check();
        if (gold instanceof Answer.Choice g) {
            return pred instanceof Answer.Choice p && g.letter() == p.letter();
        }
        if (gold instanceof Answer.Text g) {
            return pred instanceof Answer.Text p && g.text().equals(p.text());
        }
        if (gold instanceof Answer.Scalar g) {
            if (pred instanceof Answer.Scalar p) {
                return scalarWithPercent(g, p);
            }
            if (pred instanceof Answer.Equation e) {
                // "x = 5" against gold 5: the side that is not a lone variable is the answer.
                if (isLoneVariable(e.lhs()) && !isLoneVariable(g.expr())) {
                    return scalar(g.expr(), e.rhs());
                }
                if (isLoneVariable(e.rhs()) && !isLoneVariable(g.expr())) {
                    return scalar(g.expr(), e.lhs());
                }
            }
            return false;
        }
        if (gold instanceof Answer.Items g) {
            if (pred instanceof Answer.Items p) {
                return g.ordered() && p.ordered() ? ordered(g.items(), p.items()) : unordered(g.items(), p.items());
            }
            if (g.ordered() && g.items().size() == 2 && pred instanceof Answer.Interval p) {
                return interval(new Answer.Interval(scalarOf(g.items().get(0)), false, scalarOf(g.items().get(1)), false), p);
            }
            return false;
        }
        if (gold instanceof Answer.Interval g) {
            if (pred instanceof Answer.Interval p) {
                return interval(g, p);
            }
            if (pred instanceof Answer.Union p && p.parts().size() == 1) {
                return interval(g, p.parts().get(0));
            }
            if (pred instanceof Answer.Items p && p.ordered() && p.items().size() == 2
                    && p.items().get(0) instanceof Answer.Scalar && p.items().get(1) instanceof Answer.Scalar) {
                return interval(g, new Answer.Interval(scalarOf(p.items().get(0)), false, scalarOf(p.items().get(1)), false));
            }
            return false;
        }
        if (gold instanceof Answer.Union g) {
            if (pred instanceof Answer.Union p) {
                return unordered(new ArrayList<>(g.parts()), new ArrayList<>(p.parts()));
            }
            return g.parts().size() == 1 && pred instanceof Answer.Interval p && interval(g.parts().get(0), p);
        }
        if (gold instanceof Answer.Equation g) {
            if (pred instanceof Answer.Equation p) {
                return equation(g, p);
            }
            if (pred instanceof Answer.Scalar p && isLoneVariable(g.lhs()) && Expr.variables(g.rhs()).isEmpty()) {
                return scalar(g.rhs(), p.expr());
            }
            return false;
        }
        if (gold instanceof Answer.Matrix g) {
            if (!(pred instanceof Answer.Matrix p) || g.rows().size() != p.rows().size()) {
                return false;
            }
            for (int r = 0; r < g.rows().size(); r++) {
                List<Expr> gr = g.rows().get(r);
                List<Expr> pr = p.rows().get(r);
                if (gr.size() != pr.size()) {
                    return false;
                }
                for (int c = 0; c < gr.size(); c++) {
                    if (!scalar(gr.get(c), pr.get(c))) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    private static Expr scalarOf(Answer a) {
        if (a instanceof Answer.Scalar s) {
            return s.expr();
        }
        throw new ExprParser.ParseFailure("not a scalar");
    }

    private boolean ordered(List<? extends Answer> gold, List<? extends Answer> pred) {
        if (gold.size() != pred.size()) {
            return false;
        }
        for (int i = 0; i < gold.size(); i++) {
            if (!equal(gold.get(i), pred.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Same size, and a one-to-one matching of gold items to predicted items. */
    private boolean unordered(List<? extends Answer> gold, List<? extends Answer> pred) {
        if (gold.size() != pred.size()) {
            return false;
        }
        boolean[] used = new boolean[pred.size()];
        for (Answer g : gold) {
            boolean found = false;
            for (int j = 0; j < pred.size() && !found; j++) {
                if (!used[j] && equal(g, pred.get(j))) {
                    used[j] = true;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private boolean interval(Answer.Interval g, Answer.Interval p) {
        return scalar(g.low(), p.low()) && scalar(g.high(), p.high())
                && (g.lowClosed() == p.lowClosed() || isInfinite(g.low()))
                && (g.highClosed() == p.highClosed() || isInfinite(g.high()));
    }

    private boolean isInfinite(Expr e) {
        Complex v = Evaluator.numeric(e, Map.of(), budget);
        return Double.isInfinite(v.getReal());
    }

    private static boolean isLoneVariable(Expr e) {
        return e instanceof Expr.Sym s && !Expr.CONSTANTS.contains(s.name());
    }

    /** Equations are equal when one side-difference is a non-zero constant multiple of the other. */
    private boolean equation(Answer.Equation g, Answer.Equation p) {
        if (isLoneVariable(g.lhs()) && isLoneVariable(p.lhs()) && g.lhs().equals(p.lhs())
                && scalar(g.rhs(), p.rhs())) {
            return true;
        }
        Expr gd = new Expr.Sum(List.of(g.lhs(), new Expr.Neg(g.rhs())));
        Expr pd = new Expr.Sum(List.of(p.lhs(), new Expr.Neg(p.rhs())));
        Set<String> vars = new TreeSet<>(Expr.variables(gd));
        vars.addAll(Expr.variables(pd));
        SplittableRandom rng = new SplittableRandom(vars.hashCode() * 31L + 7);
        Double ratio = null;
        int valid = 0;
        for (int k = 0; k < POINTS; k++) {
            Map<String, Double> point = point(vars, rng);
            Complex a = Evaluator.numeric(gd, point, budget);
            Complex b = Evaluator.numeric(pd, point, budget);
            if (!finite(a) || !finite(b) || b.abs() < 1e-12 || a.abs() < 1e-12) {
                continue;
            }
            Complex r = a.divide(b);
            if (Math.abs(r.getImaginary()) > POINT_TOLERANCE) {
                return false;
            }
            if (ratio == null) {
                ratio = r.getReal();
            } else if (!close(ratio, r.getReal(), POINT_TOLERANCE)) {
                return false;
            }
            valid++;
        }
        return valid >= MIN_VALID_POINTS && ratio != null && ratio != 0;
    }

    private boolean scalarWithPercent(Answer.Scalar g, Answer.Scalar p) {
        if (scalar(g.expr(), p.expr())) {
            return true;
        }
        BigFraction hundred = new BigFraction(100);
        if (p.percent() && !g.percent()) { // gold 0.5, prediction 50%
            return scalar(g.expr(), new Expr.Div(p.expr(), new Expr.Num(hundred)));
        }
        if (g.percent() && !p.percent()) { // gold 50%, prediction 0.5
            return scalar(new Expr.Div(g.expr(), new Expr.Num(hundred)), p.expr());
        }
        return false;
    }

    /** Scalar equivalence: exact, numeric, or by random evaluation when variables appear. */
    public boolean scalar(Expr g, Expr p) {
        if (g.equals(p)) {
            return true;
        }
        Set<String> vars = new TreeSet<>(Expr.variables(g));
        vars.addAll(Expr.variables(p));
        if (vars.isEmpty()) {
            Optional<BigFraction> eg = Evaluator.exact(g, budget);
            Optional<BigFraction> ep = eg.isPresent() ? Evaluator.exact(p, budget) : Optional.empty();
            if (eg.isPresent() && ep.isPresent()) {
                return eg.get().equals(ep.get());
            }
            Complex a = Evaluator.numeric(g, Map.of(), budget);
            Complex b = Evaluator.numeric(p, Map.of(), budget);
            if (a.isNaN() || b.isNaN()) {
                return false;
            }
            if (a.isInfinite() || b.isInfinite() || Double.isInfinite(a.getReal()) || Double.isInfinite(b.getReal())) {
                return a.getReal() == b.getReal() && a.getImaginary() == b.getImaginary();
            }
            return close(a, b, relativeTolerance);
        }
        SplittableRandom rng = new SplittableRandom(vars.hashCode() * 31L + 1);
        int valid = 0;
        for (int k = 0; k < POINTS; k++) {
            Map<String, Double> point = point(vars, rng);
            Complex a = Evaluator.numeric(g, point, budget);
            Complex b = Evaluator.numeric(p, point, budget);
            boolean fa = finite(a);
            boolean fb = finite(b);
            if (fa != fb) {
                return false; // defined for one and not the other: different functions
            }
            if (!fa) {
                continue;
            }
            if (!close(a, b, POINT_TOLERANCE)) {
                return false;
            }
            valid++;
        }
        return valid >= MIN_VALID_POINTS;
    }

    private static Map<String, Double> point(Set<String> vars, SplittableRandom rng) {
        Map<String, Double> m = new HashMap<>();
        for (String v : vars) {
            double x = rng.nextDouble(0.2, 2.7);
            m.put(v, rng.nextBoolean() ? x : -x);
        }
        return m;
    }

    private static boolean finite(Complex c) {
        return !c.isNaN() && Double.isFinite(c.getReal()) && Double.isFinite(c.getImaginary());
    }

    private static boolean close(Complex a, Complex b, double tol) {
        double scale = Math.max(1.0, Math.max(a.abs(), b.abs()));
        return a.subtract(b).abs() <= tol * scale;
    }

    private static boolean close(double a, double b, double tol) {
        return Math.abs(a - b) <= tol * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
    }
}
