package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.PercentPolicy;
import dev.r1j.rewards.math.internal.Expr.Const;
import dev.r1j.rewards.math.internal.Expr.Constant;
import dev.r1j.rewards.math.internal.Expr.Matrix;
import dev.r1j.rewards.math.internal.Expr.Neg;
import dev.r1j.rewards.math.internal.Expr.Num;
import dev.r1j.rewards.math.internal.Expr.Percent;
import dev.r1j.rewards.math.internal.Expr.PlusMinus;
import dev.r1j.rewards.math.internal.Expr.Quotient;
import dev.r1j.rewards.math.internal.Expr.RelOp;
import dev.r1j.rewards.math.internal.Expr.Relation;
import dev.r1j.rewards.math.internal.Expr.Sequence;
import dev.r1j.rewards.math.internal.Expr.Sum;
import dev.r1j.rewards.math.internal.Expr.Union;
import dev.r1j.rewards.math.internal.Expr.Var;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.fraction.BigFraction;

/**
 * Decides whether a predicted answer tree means the same as the gold one. The gold answer's shape
 * steers the reading of the prediction: against a set gold the prediction is read as a set, against
 * an interval as an interval, against a number any {@code x = } prefix is dropped.
 *
 * <p>Scalars are compared exactly when both are rational; otherwise numerically in complex double
 * precision with a relative tolerance; with free variables by evaluation at seeded random points
 * (exact rational points first, double points when the expressions are not rational functions).
 */
public final class Equivalence {

    /** How to compare. */
    public record Settings(double relativeTolerance, PercentPolicy percentPolicy, long seed, int decimalPlaces) {
    }

    private static final double ABSOLUTE_FLOOR = 1e-12;
    private static final double VARIABLE_TOLERANCE_FLOOR = 1e-10;
    private static final int EXACT_POINTS = 6;
    private static final int NUMERIC_POINTS = 12;
    private static final int MIN_VALID_POINTS = 6;
    private static final int MAX_PLUS_MINUS = 4;
    private static final int MAX_ITEMS = 256;
    private static final BigFraction HUNDRED = new BigFraction(100);
    private static final BigFraction ONE_EIGHTY = new BigFraction(180);

    private final Settings settings;
    private final Budget budget;

    public Equivalence(Settings settings, Budget budget) {
        this.settings = settings;
        this.budget = budget;
    }

    /** Whether {@code pred} is equivalent to {@code gold}. */
    public boolean equal(Expr gold, Expr pred) {
        budget.tick();
        if (gold.equals(pred)) {
            return true;
        }
        if (gold instanceof Relation gr) {
            return relationGold(gr, pred);
        }
        if (pred instanceof Relation pr) {
            Expr value = statedValue(pr);
            if (value != null) {
                return equal(gold, value);
            }
            List<Interval> gi = asIntervals(gold);
            List<Interval> pi = asIntervals(pred);
            return gi != null && pi != null && intervalSetsEqual(gi, pi);
        }
        if (gold instanceof Matrix gm) {
            // the prediction may be written as matrix arithmetic: A + B, A B, 2A
            Matrix pm = MatrixAlgebra.containsMatrix(pred) ? MatrixAlgebra.reduce(pred, budget) : null;
            return pm != null && matricesEqual(gm, pm);
        }
        if (MatrixAlgebra.containsMatrix(pred) && !(pred instanceof Sequence)) {
            return false;
        }
        if (isIntervalLike(gold, pred)) {
            List<Interval> gi = asIntervals(gold);
            List<Interval> pi = asIntervals(pred);
            if (gi != null && pi != null) {
                return intervalSetsEqual(gi, pi);
            }
            if (gold instanceof Union || pred instanceof Union) {
                return false;
            }
        }
        if (gold instanceof Union || pred instanceof Union) {
            return false;
        }
        if (gold instanceof Sequence gs) {
            if (gs.isSet() || gs.isBare()) {
                return collectionsEqual(expandAll(gs.items()), collectionItems(pred));
            }
            return orderedEqual(gs, pred);
        }
        if (containsPlusMinus(gold)) {
            List<Expr> values = expand(gold);
            return values != null && collectionsEqual(values, collectionItems(pred));
        }
        if (pred instanceof Sequence || containsPlusMinus(pred)) {
            return false;
        }
        if (gold instanceof Expr.Degrees gd) {
            if (pred instanceof Expr.Degrees pd) {
                return scalarEqual(gd.value(), pd.value());
            }
            return degreesEqual(gd.value(), pred);
        }
        if (pred instanceof Expr.Degrees pd) {
            return degreesEqual(pd.value(), gold);
        }
        if (gold instanceof Percent gp) {
            if (pred instanceof Percent pp) {
                return scalarEqual(gp.value(), pp.value());
            }
            return percentEqual(gp.value(), pred);
        }
        if (pred instanceof Percent pp) {
            return percentEqual(pp.value(), gold);
        }
        return scalarEqual(gold, pred);
    }

    // ---- percent ----

    /** {@code percentNumber %} against a plain value, under the configured policy. */
    private boolean percentEqual(Expr percentNumber, Expr plain) {
        Expr asFraction = new Quotient(percentNumber, new Num(HUNDRED));
        return switch (settings.percentPolicy()) {
            case AS_NUMBER -> scalarEqual(percentNumber, plain);
            case AS_FRACTION -> scalarEqual(asFraction, plain);
            case EITHER -> scalarEqual(percentNumber, plain) || scalarEqual(asFraction, plain);
        };
    }

    /** An angle in degrees against a plain value: the same number, or the same angle in radians. */
    private boolean degreesEqual(Expr degrees, Expr plain) {
        Expr radians = new Quotient(new Expr.Product(List.of(degrees, new Const(Constant.PI))), new Num(ONE_EIGHTY));
        return scalarEqual(degrees, plain) || scalarEqual(radians, plain);
    }

    // ---- relations ----

    private boolean relationGold(Relation gold, Expr pred) {
        if (pred instanceof Relation pr) {
            if (relationsEqual(gold, pr)) {
                return true;
            }
            // a chain a = b = c states a = c: compare first and last sides
            Relation g = reducedChain(gold);
            Relation p = reducedChain(pr);
            return (g != gold || p != pr) && relationsEqual(g, p);
        }
        Expr goldValue = statedValue(gold);
        if (goldValue != null) {
            return equal(goldValue, pred);
        }
        List<Interval> gi = asIntervals(gold);
        List<Interval> pi = asIntervals(pred);
        return gi != null && pi != null && intervalSetsEqual(gi, pi);
    }

    /** {@code a = b = ... = z} as {@code a = z}; any other relation unchanged. */
    private static Relation reducedChain(Relation r) {
        if (r.ops().size() < 2 || !r.ops().stream().allMatch(Equivalence::isEquality)) {
            return r;
        }
        Expr value = statedValue(r);
        return value == null ? r : new Relation(List.of(r.operands().get(0), value), List.of(RelOp.EQ));
    }

    private static boolean isEquality(RelOp op) {
        return op == RelOp.EQ || op == RelOp.APPROX;
    }

    /**
     * The value a relation states as the answer, or null when it is an equation to be compared as
     * such. A chain of equalities states its last side (the one after the last {@code =}, since a
     * later {@code \approx} only rounds it): {@code x = 5+5+1 = 11}. A single equality states its
     * right side when the left names the answer rather than computing it: {@code x = 5},
     * {@code (p, q) = (3, 2)}, {@code f(x) = 1}, {@code |AB| = 1}, {@code \frac{NO}{BO} = \frac{1}{2}},
     * {@code A:B = 1}; not {@code 2x + z = 1} or {@code 7 = 11a + c}.
     */
    private static Expr statedValue(Relation r) {
        List<RelOp> ops = r.ops();
        if (!ops.stream().allMatch(Equivalence::isEquality)) {
            return null;
        }
        if (ops.size() >= 2) {
            int lastEq = ops.lastIndexOf(RelOp.EQ);
            return r.operands().get(lastEq < 0 ? ops.size() : lastEq + 1);
        }
        Expr left = r.operands().get(0);
        Expr value = r.operands().get(1);
        if (variables(left).isEmpty() && variables(value).isEmpty()) {
            return value; // a computation and its result: 5 \\times 6 \\times 4 = 120
        }
        if (!isNameLike(left)) {
            return null;
        }
        TreeSet<String> valueVars = variables(value);
        if (left instanceof Var v) {
            return valueVars.contains(v.name()) ? null : value;
        }
        // function notation f(x) = 2x parses as the product f*x: only the name must not occur on the right
        if (left instanceof Expr.Product p && p.factors().get(0) instanceof Var name
                && p.factors().stream().allMatch(f -> f instanceof Var)) {
            return valueVars.contains(name.name()) ? null : value;
        }
        TreeSet<String> leftVars = variables(left);
        leftVars.retainAll(valueVars);
        return leftVars.isEmpty() ? value : null;
    }

    /** Whether {@code e} names a quantity (x, AB, f(x), |AB|, NO/BO, A:B, (p, q)) instead of computing one. */
    private static boolean isNameLike(Expr e) {
        if (e instanceof Var) {
            return true;
        }
        if (e instanceof Expr.Product p) {
            return p.factors().stream().allMatch(Equivalence::isNameLike);
        }
        if (e instanceof Quotient q) {
            return isNameLike(q.numerator()) && isNameLike(q.denominator());
        }
        if (e instanceof Expr.Call c) {
            return c.function() == Expr.Function.ABS && isNameLike(c.argument());
        }
        if (e instanceof Sequence s) {
            return !s.isSet() && !s.items().isEmpty() && s.items().stream().allMatch(Equivalence::isNameLike);
        }
        return false;
    }

    private boolean relationsEqual(Relation g, Relation p) {
        if (g.ops().size() == 1 && p.ops().size() == 1) {
            RelOp go = g.ops().get(0);
            RelOp po = p.ops().get(0);
            Expr gl = g.operands().get(0);
            Expr gr = g.operands().get(1);
            Expr pl = p.operands().get(0);
            Expr pr = p.operands().get(1);
            if ((isEquality(go) && isEquality(po)) || (go == RelOp.NE && po == RelOp.NE)) {
                return equationsEqual(gl, gr, pl, pr);
            }
            if (isOrder(go) && isOrder(po)) {
                if (isStrict(go) != isStrict(po)) {
                    return false;
                }
                return proportional(oriented(go, gl, gr), oriented(po, pl, pr), true);
            }
            return false;
        }
        List<Interval> gi = asIntervals(g);
        List<Interval> pi = asIntervals(p);
        if (gi != null && pi != null) {
            return intervalSetsEqual(gi, pi);
        }
        if (!g.ops().equals(p.ops())) {
            return false;
        }
        for (int i = 0; i < g.operands().size(); i++) {
            if (!equal(g.operands().get(i), p.operands().get(i))) {
                return false;
            }
        }
        return true;
    }

    private boolean equationsEqual(Expr gl, Expr gr, Expr pl, Expr pr) {
        if ((scalarEqual(gl, pl) && scalarEqual(gr, pr)) || (scalarEqual(gl, pr) && scalarEqual(gr, pl))) {
            return true;
        }
        Expr f = difference(gl, gr);
        Expr g = difference(pl, pr);
        TreeSet<String> vars = variables(f);
        vars.addAll(variables(g));
        if (vars.isEmpty()) {
            return false;
        }
        return proportional(f, g, false);
    }

    /** {@code h} such that the relation reads {@code h < 0} (or {@code <= 0}). */
    private static Expr oriented(RelOp op, Expr left, Expr right) {
        return op == RelOp.LT || op == RelOp.LE ? difference(left, right) : difference(right, left);
    }

    private static Expr difference(Expr a, Expr b) {
        return new Sum(List.of(a, new Neg(b)));
    }

    private static boolean isOrder(RelOp op) {
        return op == RelOp.LT || op == RelOp.LE || op == RelOp.GT || op == RelOp.GE;
    }

    private static boolean isStrict(RelOp op) {
        return op == RelOp.LT || op == RelOp.GT;
    }

    // ---- intervals ----

    private record Interval(Expr low, Expr high, boolean lowClosed, boolean highClosed) {
    }

    private static boolean isIntervalLike(Expr gold, Expr pred) {
        if (gold instanceof Union || pred instanceof Union) {
            return true;
        }
        return isBracketPair(gold) && (isHalfOpenOrClosed(gold) || isHalfOpenOrClosed(pred)
                || hasInfiniteEnd(gold) || pred instanceof Relation);
    }

    private static boolean isBracketPair(Expr e) {
        return e instanceof Sequence s && s.items().size() == 2 && !s.isSet() && !s.isBare();
    }

    private static boolean isHalfOpenOrClosed(Expr e) {
        return isBracketPair(e) && (((Sequence) e).open() == '[' || ((Sequence) e).close() == ']');
    }

    private static boolean hasInfiniteEnd(Expr e) {
        Sequence s = (Sequence) e;
        return infinitySign(s.items().get(0)) != 0 || infinitySign(s.items().get(1)) != 0;
    }

    /** The intervals an answer denotes, or null when it is not an interval, union or inequality. */
    private List<Interval> asIntervals(Expr e) {
        List<Interval> out = new ArrayList<>();
        return collectIntervals(e, out) ? out : null;
    }

    private boolean collectIntervals(Expr e, List<Interval> out) {
        budget.tick();
        if (out.size() > MAX_ITEMS) {
            return false;
        }
        if (isBracketPair(e)) {
            Sequence s = (Sequence) e;
            out.add(new Interval(s.items().get(0), s.items().get(1), s.open() == '[', s.close() == ']'));
            return true;
        }
        if (e instanceof Union u) {
            for (Expr part : u.parts()) {
                if (!collectIntervals(part, out)) {
                    return false;
                }
            }
            return true;
        }
        if (e instanceof Sequence s && s.isBare()) {
            for (Expr item : s.items()) {
                if (!(item instanceof Relation) || !collectIntervals(item, out)) {
                    return false;
                }
            }
            return true;
        }
        if (e instanceof Relation r) {
            Interval i = inequalityInterval(r);
            if (i == null) {
                return false;
            }
            if (boundsAbsoluteValue(r)) {
                out.addAll(unfoldAbsoluteValue(i));
            } else {
                out.add(i);
            }
            return true;
        }
        return false;
    }

    /** Whether the quantity an inequality bounds is an absolute value: {@code 1 \\le |z| \\le 2}, {@code |x| < 3}. */
    private static boolean boundsAbsoluteValue(Relation r) {
        List<Expr> o = r.operands();
        Expr bounded = o.size() == 3 ? o.get(1) : isNameLike(o.get(0)) ? o.get(0) : o.get(1);
        return bounded instanceof Expr.Call c && c.function() == Expr.Function.ABS;
    }

    /**
     * The values of x for which |x| lies in {@code i}: {@code |x| \\in [a, b]} with a > 0 is
     * {@code [-b, -a] \\cup [a, b]}; with no positive lower end it is {@code (-b, b)} (or {@code [-b, b]}).
     */
    private List<Interval> unfoldAbsoluteValue(Interval i) {
        boolean noLowerBound = infinitySign(i.low()) < 0;
        if (!noLowerBound) {
            BigFraction low = ExactEvaluator.evaluate(i.low(), Map.of(), budget);
            noLowerBound = low != null && low.getNumerator().signum() < 0;
            if (low != null && low.getNumerator().signum() == 0 && !i.lowClosed()) {
                // 0 < |x| < b: everything but zero
                return List.of(new Interval(new Neg(i.high()), new Num(BigFraction.ZERO), i.highClosed(), false),
                        new Interval(new Num(BigFraction.ZERO), i.high(), false, i.highClosed()));
            }
            noLowerBound |= low != null && low.getNumerator().signum() == 0;
        }
        if (noLowerBound) {
            return List.of(new Interval(new Neg(i.high()), i.high(), i.highClosed(), i.highClosed()));
        }
        return List.of(new Interval(new Neg(i.high()), new Neg(i.low()), i.highClosed(), i.lowClosed()),
                new Interval(i.low(), i.high(), i.lowClosed(), i.highClosed()));
    }

    /** {@code x > 3} as {@code (3, \infty)}, {@code 1 < x \le 2} as {@code (1, 2]}; null otherwise. */
    private static Interval inequalityInterval(Relation r) {
        List<Expr> o = r.operands();
        List<RelOp> ops = r.ops();
        for (RelOp op : ops) {
            if (!isOrder(op)) {
                return null;
            }
        }
        Expr posInf = new Const(Constant.INFINITY);
        Expr negInf = new Neg(posInf);
        if (ops.size() == 1) {
            RelOp op = ops.get(0);
            Expr left = o.get(0);
            Expr right = o.get(1);
            if (isNameLike(right) && !isNameLike(left)) {
                // c < x reads as x > c
                op = flip(op);
                Expr t = left;
                left = right;
                right = t;
            }
            if (!isNameLike(left) || left instanceof Sequence || !variables(right).isEmpty()) {
                return null;
            }
            return switch (op) {
                case LT -> new Interval(negInf, right, false, false);
                case LE -> new Interval(negInf, right, false, true);
                case GT -> new Interval(right, posInf, false, false);
                case GE -> new Interval(right, posInf, true, false);
                default -> null;
            };
        }
        if (ops.size() == 2 && isNameLike(o.get(1)) && !(o.get(1) instanceof Sequence) && variables(o.get(0)).isEmpty()
                && variables(o.get(2)).isEmpty()) {
            RelOp a = ops.get(0);
            RelOp b = ops.get(1);
            boolean ascending = (a == RelOp.LT || a == RelOp.LE) && (b == RelOp.LT || b == RelOp.LE);
            boolean descending = (a == RelOp.GT || a == RelOp.GE) && (b == RelOp.GT || b == RelOp.GE);
            if (ascending) {
                return new Interval(o.get(0), o.get(2), a == RelOp.LE, b == RelOp.LE);
            }
            if (descending) {
                return new Interval(o.get(2), o.get(0), b == RelOp.GE, a == RelOp.GE);
            }
        }
        return null;
    }

    private static RelOp flip(RelOp op) {
        return switch (op) {
            case LT -> RelOp.GT;
            case LE -> RelOp.GE;
            case GT -> RelOp.LT;
            case GE -> RelOp.LE;
            default -> op;
        };
    }

    private boolean intervalSetsEqual(List<Interval> a, List<Interval> b) {
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] used = new boolean[b.size()];
        outer:
        for (Interval x : a) {
            for (int j = 0; j < b.size(); j++) {
                if (!used[j] && intervalsEqual(x, b.get(j))) {
                    used[j] = true;
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    private boolean intervalsEqual(Interval x, Interval y) {
        // a bracket next to an infinite end carries no meaning, so it is not compared
        boolean lowInfinite = infinitySign(x.low()) != 0;
        boolean highInfinite = infinitySign(x.high()) != 0;
        if (!lowInfinite && x.lowClosed() != y.lowClosed()) {
            return false;
        }
        if (!highInfinite && x.highClosed() != y.highClosed()) {
            return false;
        }
        return scalarEqual(x.low(), y.low()) && scalarEqual(x.high(), y.high());
    }

    // ---- collections ----

    private boolean orderedEqual(Sequence gold, Expr pred) {
        if (!(pred instanceof Sequence ps) || ps.isSet() || ps.items().size() != gold.items().size()) {
            return false;
        }
        if (!ps.isBare() && (ps.open() != gold.open() || ps.close() != gold.close())) {
            // (1,2,3) against [1,2,3]: both ordered lists, accept; brackets of a pair decide intervals elsewhere
            if (gold.items().size() == 2) {
                return false;
            }
        }
        for (int i = 0; i < gold.items().size(); i++) {
            if (!equal(gold.items().get(i), ps.items().get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The values a prediction lists when the gold answer is a set or list of values. */
    private List<Expr> collectionItems(Expr pred) {
        List<Expr> raw;
        if (pred instanceof Sequence s && !isBracketPairInterval(s)) {
            raw = s.items();
        } else if (pred instanceof Relation r && statedValue(r) != null) {
            return collectionItems(statedValue(r));
        } else {
            raw = List.of(pred);
        }
        List<Expr> items = new ArrayList<>(raw.size());
        for (Expr item : raw) {
            Expr value = item instanceof Relation r && statedValue(r) != null ? statedValue(r) : item;
            items.add(value);
        }
        List<Expr> expanded = expandAll(items);
        return expanded == null ? List.of(pred) : expanded;
    }

    private static boolean isBracketPairInterval(Sequence s) {
        return s.items().size() == 2 && (s.open() == '[' && s.close() == ')' || s.open() == '(' && s.close() == ']');
    }

    /** Each item with its ± expanded into separate values; null when that would be too many. */
    private List<Expr> expandAll(List<Expr> items) {
        List<Expr> out = new ArrayList<>();
        for (Expr item : items) {
            List<Expr> values = expand(item);
            if (values == null || out.size() + values.size() > MAX_ITEMS) {
                return null;
            }
            out.addAll(values);
        }
        return out;
    }

    /**
     * Set equality: every gold value appears among the predicted values and every predicted value
     * is one of the gold values, so listing extra candidates fails.
     */
    private boolean collectionsEqual(List<Expr> gold, List<Expr> pred) {
        if (gold == null || pred == null || gold.isEmpty() != pred.isEmpty()) {
            return false;
        }
        boolean[] predMatched = new boolean[pred.size()];
        for (Expr g : gold) {
            boolean found = false;
            for (int j = 0; j < pred.size(); j++) {
                if (equal(g, pred.get(j))) {
                    predMatched[j] = true;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        for (boolean m : predMatched) {
            if (!m) {
                return false;
            }
        }
        return true;
    }

    private boolean matricesEqual(Matrix a, Matrix b) {
        if (a.rows().size() != b.rows().size() || a.rows().get(0).size() != b.rows().get(0).size()) {
            return false;
        }
        for (int i = 0; i < a.rows().size(); i++) {
            for (int j = 0; j < a.rows().get(i).size(); j++) {
                if (!equal(a.rows().get(i).get(j), b.rows().get(i).get(j))) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- plus-minus ----

    private static boolean containsPlusMinus(Expr e) {
        return Expr.anyNode(e, n -> n instanceof PlusMinus);
    }

    private static int countPlusMinus(Expr e) {
        int n = e instanceof PlusMinus ? 1 : 0;
        for (Expr c : Expr.children(e)) {
            n += countPlusMinus(c);
        }
        return n;
    }

    /** The values {@code e} stands for, one per choice of sign at each ±; null when there are too many. */
    private static List<Expr> expand(Expr e) {
        int count = countPlusMinus(e);
        if (count == 0) {
            return List.of(e);
        }
        if (count > MAX_PLUS_MINUS) {
            return null;
        }
        List<Expr> out = new ArrayList<>();
        for (int mask = 0; mask < (1 << count); mask++) {
            int[] index = {0};
            int m = mask;
            out.add(choose(e, m, index));
        }
        return out;
    }

    private static Expr choose(Expr e, int mask, int[] index) {
        if (e instanceof PlusMinus pm) {
            int mine = index[0]++;
            Expr left = choose(pm.left(), mask, index);
            Expr right = choose(pm.right(), mask, index);
            boolean minus = ((mask >> mine) & 1) == 1;
            return new Sum(List.of(left, minus ? new Neg(right) : right));
        }
        return Expr.mapChildren(e, c -> choose(c, mask, index));
    }

    // ---- scalars ----

    /** Whether two scalar expressions have the same value (for every value of their variables). */
    public boolean scalarEqual(Expr a, Expr b) {
        budget.tick();
        if (a.equals(b)) {
            return true;
        }
        if (isStructure(a) || isStructure(b)) {
            return false;
        }
        TreeSet<String> vars = variables(a);
        vars.addAll(variables(b));
        if (vars.isEmpty()) {
            return constantsEqual(a, b);
        }
        return identical(a, b, vars);
    }

    private static boolean isStructure(Expr e) {
        return e instanceof Sequence || e instanceof Union || e instanceof Relation || e instanceof Matrix
                || e instanceof PlusMinus;
    }

    private boolean constantsEqual(Expr a, Expr b) {
        boolean approximate = hasDecimal(a) || hasDecimal(b);
        BigFraction ea = ExactEvaluator.evaluate(a, Map.of(), budget);
        if (ea != null) {
            BigFraction eb = ExactEvaluator.evaluate(b, Map.of(), budget);
            if (eb != null) {
                return ea.compareTo(eb) == 0 || (approximate && roundedEqual(ea, eb));
            }
        }
        Complex za = NumericEvaluator.evaluate(a, Map.of(), budget);
        Complex zb = NumericEvaluator.evaluate(b, Map.of(), budget);
        if (!NumericEvaluator.isFinite(za) || !NumericEvaluator.isFinite(zb)) {
            // overflow or undefined is not evidence of equality; only literal infinities match
            int sa = infinitySign(a);
            return sa != 0 && sa == infinitySign(b);
        }
        return close(za, zb, settings.relativeTolerance()) || (approximate && roundedEqual(za, zb));
    }

    /** Whether {@code e} contains a number written with decimal places, which may be a rounded value. */
    private static boolean hasDecimal(Expr e) {
        return Expr.anyNode(e, n -> n instanceof Num num && num.decimal());
    }

    /**
     * Whether two exact values agree when rounded (half up) to the configured decimal places. Values
     * that round to zero do not count: rounding cannot tell 0.0000001 from 0 or from 0.0000004.
     */
    private boolean roundedEqual(BigFraction a, BigFraction b) {
        BigDecimal ra = rounded(a);
        return ra.signum() != 0 && ra.compareTo(rounded(b)) == 0;
    }

    private BigDecimal rounded(BigFraction v) {
        budget.tick((v.getNumerator().bitLength() + v.getDenominator().bitLength()) / 32);
        return new BigDecimal(v.getNumerator()).divide(new BigDecimal(v.getDenominator()),
                settings.decimalPlaces(), RoundingMode.HALF_UP);
    }

    /** Whether two complex values agree in both parts when rounded to the configured decimal places. */
    private boolean roundedEqual(Complex a, Complex b) {
        BigDecimal re = rounded(a.getReal());
        BigDecimal im = rounded(a.getImaginary());
        return (re.signum() != 0 || im.signum() != 0) && re.compareTo(rounded(b.getReal())) == 0
                && im.compareTo(rounded(b.getImaginary())) == 0;
    }

    private BigDecimal rounded(double v) {
        if (Math.abs(v) > 1e15) {
            return BigDecimal.valueOf(v); // beyond double's decimal places rounding says nothing
        }
        return BigDecimal.valueOf(v).setScale(settings.decimalPlaces(), RoundingMode.HALF_UP);
    }

    /** +1 for {@code \infty}, -1 for {@code -\infty}, 0 for anything else. */
    private static int infinitySign(Expr e) {
        if (e instanceof Const c && c.which() == Constant.INFINITY) {
            return 1;
        }
        if (e instanceof Neg n) {
            return -infinitySign(n.operand());
        }
        return 0;
    }

    private boolean identical(Expr a, Expr b, TreeSet<String> vars) {
        return compareAtPoints(a, b, vars, Mode.IDENTICAL);
    }

    /** Whether {@code f = k g} for one constant {@code k != 0} (positive when {@code positive}). */
    private boolean proportional(Expr f, Expr g, boolean positive) {
        TreeSet<String> vars = variables(f);
        vars.addAll(variables(g));
        return compareAtPoints(f, g, vars, positive ? Mode.POSITIVE_MULTIPLE : Mode.ANY_MULTIPLE);
    }

    private enum Mode { IDENTICAL, ANY_MULTIPLE, POSITIVE_MULTIPLE }

    private boolean compareAtPoints(Expr a, Expr b, TreeSet<String> vars, Mode mode) {
        SplittableRandom rnd = new SplittableRandom(settings.seed() ^ ((long) vars.hashCode() << 17));
        Boolean exact = compareExact(a, b, vars, mode, rnd);
        if (exact != null) {
            return exact;
        }
        return compareNumeric(a, b, vars, mode, rnd);
    }

    /** The verdict from exact rational points, or null when either side is not rational there. */
    private Boolean compareExact(Expr a, Expr b, TreeSet<String> vars, Mode mode, SplittableRandom rnd) {
        BigFraction[] av = new BigFraction[EXACT_POINTS];
        BigFraction[] bv = new BigFraction[EXACT_POINTS];
        Map<String, BigFraction> env = new HashMap<>();
        for (int p = 0; p < EXACT_POINTS; p++) {
            for (String v : vars) {
                int num = rnd.nextInt(1, 40) * (rnd.nextBoolean() ? 1 : -1);
                int den = rnd.nextInt(1, 13);
                env.put(v, new BigFraction(num, den));
            }
            av[p] = ExactEvaluator.evaluate(a, env, budget);
            if (av[p] == null) {
                return null;
            }
            bv[p] = ExactEvaluator.evaluate(b, env, budget);
            if (bv[p] == null) {
                return null;
            }
        }
        if (mode == Mode.IDENTICAL) {
            for (int p = 0; p < EXACT_POINTS; p++) {
                if (av[p].compareTo(bv[p]) != 0) {
                    return false;
                }
            }
            return true;
        }
        BigFraction k = null;
        for (int p = 0; p < EXACT_POINTS && k == null; p++) {
            if (bv[p].getNumerator().signum() != 0 && av[p].getNumerator().signum() != 0) {
                k = av[p].divide(bv[p]);
            }
        }
        if (k == null) {
            return false;
        }
        if (mode == Mode.POSITIVE_MULTIPLE && k.getNumerator().signum() <= 0) {
            return false;
        }
        for (int p = 0; p < EXACT_POINTS; p++) {
            if (av[p].compareTo(k.multiply(bv[p])) != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean compareNumeric(Expr a, Expr b, TreeSet<String> vars, Mode mode, SplittableRandom rnd) {
        double tol = Math.max(settings.relativeTolerance(), VARIABLE_TOLERANCE_FLOOR);
        List<Complex> av = new ArrayList<>();
        List<Complex> bv = new ArrayList<>();
        Map<String, Complex> env = new HashMap<>();
        for (int p = 0; p < NUMERIC_POINTS; p++) {
            for (String v : vars) {
                double x = rnd.nextDouble(0.1, 3.0) * (rnd.nextBoolean() ? 1 : -1);
                env.put(v, new Complex(x));
            }
            Complex za = NumericEvaluator.evaluate(a, env, budget);
            Complex zb = NumericEvaluator.evaluate(b, env, budget);
            boolean fa = NumericEvaluator.isFinite(za);
            boolean fb = NumericEvaluator.isFinite(zb);
            if (fa && fb) {
                av.add(za);
                bv.add(zb);
            }
        }
        if (av.size() < MIN_VALID_POINTS) {
            return false;
        }
        if (mode == Mode.IDENTICAL) {
            for (int p = 0; p < av.size(); p++) {
                if (!close(av.get(p), bv.get(p), tol)) {
                    return false;
                }
            }
            return true;
        }
        int best = -1;
        double bestMagnitude = 0;
        for (int p = 0; p < av.size(); p++) {
            double m = Math.min(av.get(p).abs(), bv.get(p).abs());
            if (m > bestMagnitude) {
                bestMagnitude = m;
                best = p;
            }
        }
        if (best < 0 || bestMagnitude < ABSOLUTE_FLOOR) {
            return false;
        }
        Complex k = av.get(best).divide(bv.get(best));
        if (mode == Mode.POSITIVE_MULTIPLE
                && (k.getReal() <= 0 || Math.abs(k.getImaginary()) > tol * Math.abs(k.getReal()))) {
            return false;
        }
        for (int p = 0; p < av.size(); p++) {
            if (!close(av.get(p), k.multiply(bv.get(p)), tol)) {
                return false;
            }
        }
        return true;
    }

    private static boolean close(Complex a, Complex b, double tol) {
        double dr = a.getReal() - b.getReal();
        double di = a.getImaginary() - b.getImaginary();
        double d = Math.hypot(dr, di);
        if (d <= ABSOLUTE_FLOOR) {
            return true;
        }
        double scale = Math.max(a.abs(), b.abs());
        return d <= tol * scale;
    }

    /** The free variables of {@code e}, sorted. */
    static TreeSet<String> variables(Expr e) {
        TreeSet<String> out = new TreeSet<>();
        collectVariables(e, out);
        return out;
    }

    private static void collectVariables(Expr e, TreeSet<String> out) {
        if (e instanceof Var v) {
            out.add(v.name());
            return;
        }
        for (Expr c : Expr.children(e)) {
            collectVariables(c, out);
        }
    }
}
