package dev.r1j.rewards.math.internal;

import dev.r1j.rewards.math.internal.Expr.Matrix;
import dev.r1j.rewards.math.internal.Expr.Neg;
import dev.r1j.rewards.math.internal.Expr.Product;
import dev.r1j.rewards.math.internal.Expr.Sum;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Writes an expression over matrices ({@code A + B}, {@code A B}, {@code 2A}, {@code -A}) as the one
 * matrix it denotes, entry by entry, so that it can be compared with a matrix answer. The entries
 * stay expressions; nothing is evaluated here.
 */
final class MatrixAlgebra {

    private MatrixAlgebra() {
    }

    /** The matrix {@code e} denotes, or null when it is not a sum or product involving matrices of matching shapes. */
    static Matrix reduce(Expr e, Budget budget) {
        budget.tick();
        if (e instanceof Matrix m) {
            return m;
        }
        if (e instanceof Neg n) {
            Matrix m = reduce(n.operand(), budget);
            return m == null ? null : map(m, Neg::new, budget);
        }
        if (e instanceof Sum s) {
            Matrix acc = null;
            for (Expr term : s.terms()) {
                Matrix m = reduce(term, budget);
                if (m == null || (acc != null && !sameShape(acc, m))) {
                    return null;
                }
                acc = acc == null ? m : add(acc, m, budget);
            }
            return acc;
        }
        if (e instanceof Product p) {
            Matrix acc = null;
            List<Expr> scalars = new ArrayList<>();
            for (Expr factor : p.factors()) {
                if (!containsMatrix(factor)) {
                    scalars.add(factor);
                    continue;
                }
                Matrix m = reduce(factor, budget);
                if (m == null) {
                    return null;
                }
                acc = acc == null ? m : multiply(acc, m, budget);
                if (acc == null) {
                    return null;
                }
            }
            if (acc == null) {
                return null;
            }
            if (scalars.isEmpty()) {
                return acc;
            }
            Expr scale = scalars.size() == 1 ? scalars.get(0) : new Product(scalars);
            return map(acc, entry -> new Product(List.of(scale, entry)), budget);
        }
        return null;
    }

    static boolean containsMatrix(Expr e) {
        return Expr.anyNode(e, n -> n instanceof Matrix);
    }

    private static boolean sameShape(Matrix a, Matrix b) {
        return a.rows().size() == b.rows().size() && a.rows().get(0).size() == b.rows().get(0).size();
    }

    private static Matrix add(Matrix a, Matrix b, Budget budget) {
        List<List<Expr>> rows = new ArrayList<>();
        for (int i = 0; i < a.rows().size(); i++) {
            List<Expr> row = new ArrayList<>();
            for (int j = 0; j < a.rows().get(i).size(); j++) {
                budget.tick();
                row.add(new Sum(List.of(a.rows().get(i).get(j), b.rows().get(i).get(j))));
            }
            rows.add(row);
        }
        return new Matrix(rows);
    }

    /** The product {@code a b}, or null when the inner dimensions differ. */
    private static Matrix multiply(Matrix a, Matrix b, Budget budget) {
        int n = a.rows().size();
        int inner = a.rows().get(0).size();
        if (inner != b.rows().size()) {
            return null;
        }
        int m = b.rows().get(0).size();
        List<List<Expr>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Expr> row = new ArrayList<>();
            for (int j = 0; j < m; j++) {
                List<Expr> terms = new ArrayList<>(inner);
                for (int k = 0; k < inner; k++) {
                    budget.tick();
                    terms.add(new Product(List.of(a.rows().get(i).get(k), b.rows().get(k).get(j))));
                }
                row.add(new Sum(terms));
            }
            rows.add(row);
        }
        return new Matrix(rows);
    }

    private static Matrix map(Matrix a, UnaryOperator<Expr> f, Budget budget) {
        List<List<Expr>> rows = new ArrayList<>();
        for (List<Expr> r : a.rows()) {
            List<Expr> row = new ArrayList<>();
            for (Expr entry : r) {
                budget.tick();
                row.add(f.apply(entry));
            }
            rows.add(row);
        }
        return new Matrix(rows);
    }
}
