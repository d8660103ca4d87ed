package dev.r1j.rewards.math.internal;

import java.util.List;

/** The shape of a final answer: what the comparison dispatches on. */
public sealed interface Answer {

    /** One value or expression; {@code percent} when it was written with a percent sign. */
    record Scalar(Expr expr, boolean percent) implements Answer {}

    /** Several answers: a set (order-free), a tuple (ordered), or a bare comma list (order-free). */
    record Items(List<Answer> items, boolean ordered) implements Answer {}

    /** An interval; infinite ends are {@code Sym("inf")} possibly negated. */
    record Interval(Expr low, boolean lowClosed, Expr high, boolean highClosed) implements Answer {}

    /** A union of intervals. */
    record Union(List<Interval> parts) implements Answer {}

    /** {@code lhs = rhs}. */
    record Equation(Expr lhs, Expr rhs) implements Answer {}

    record Matrix(List<List<Expr>> rows) implements Answer {}

    /** A multiple-choice letter. */
    record Choice(char letter) implements Answer {}

    /** Anything else, compared as normalised text. */
    record Text(String text) implements Answer {}
}
