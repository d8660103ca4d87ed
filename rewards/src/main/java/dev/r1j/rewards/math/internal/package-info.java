/**
 * How math answers are verified: {@link dev.r1j.rewards.math.internal.AnswerExtractor} finds the
 * answer, {@link dev.r1j.rewards.math.internal.AnswerNormalizer} rewrites it into canonical text,
 * {@link dev.r1j.rewards.math.internal.Lexer} and {@link dev.r1j.rewards.math.internal.ExprParser}
 * build an immutable {@link dev.r1j.rewards.math.internal.Expr} tree with bounded depth, and
 * {@link dev.r1j.rewards.math.internal.Equivalence} compares trees with
 * {@link dev.r1j.rewards.math.internal.ExactEvaluator} (rationals) and
 * {@link dev.r1j.rewards.math.internal.NumericEvaluator} (complex doubles), all under one
 * {@link dev.r1j.rewards.math.internal.Budget}. Not part of the public API.
 */
package dev.r1j.rewards.math.internal;
