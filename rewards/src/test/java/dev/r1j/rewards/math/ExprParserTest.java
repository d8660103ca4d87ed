package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.rewards.math.internal.Budget;
import dev.r1j.rewards.math.internal.Expr;
import dev.r1j.rewards.math.internal.Expr.Const;
import dev.r1j.rewards.math.internal.Expr.Constant;
import dev.r1j.rewards.math.internal.Expr.Num;
import dev.r1j.rewards.math.internal.Expr.Power;
import dev.r1j.rewards.math.internal.Expr.Product;
import dev.r1j.rewards.math.internal.Expr.Quotient;
import dev.r1j.rewards.math.internal.Expr.Relation;
import dev.r1j.rewards.math.internal.Expr.Root;
import dev.r1j.rewards.math.internal.Expr.Sequence;
import dev.r1j.rewards.math.internal.Expr.Var;
import dev.r1j.rewards.math.internal.ExprParser;
import dev.r1j.rewards.math.internal.ParseFailure;
import java.util.List;
import org.apache.commons.math3.fraction.BigFraction;
import org.junit.jupiter.api.Test;

/** The shape of parsed trees, and the parser's refusal of input it must not recurse into. */
class ExprParserTest {

    private static Expr parse(String s) {
        return ExprParser.parse(s, Budget.ofOperations(100_000_000L));
    }

    private static Num num(long n) {
        return new Num(new BigFraction(n));
    }

    @Test
    void plainAndLatexProductsGiveTheSameTree() {
        Expr expected = new Product(List.of(num(2), new Power(new Var("x"), num(2))));
        assertEquals(expected, parse("2*x^2"));
        assertEquals(expected, parse("2x^2"));
        assertEquals(expected, parse("2 \\cdot x^{2}"));
        assertEquals(expected, parse("2 \\times x**2"));
    }

    @Test
    void macroArgumentsTakeSingleDigits() {
        assertEquals(new Quotient(num(1), num(2)), parse("\\frac12"));
        assertEquals(new Quotient(num(1), num(2)), parse("\\frac{1}{2}"));
        assertEquals(new Product(List.of(new Root(num(2), num(3)), num(4))), parse("\\sqrt34"));
        assertEquals(new Root(num(3), new Var("x")), parse("\\sqrt[3]{x}"));
    }

    @Test
    void mixedNumberIsASum() {
        assertEquals(new Num(new BigFraction(5, 2)), parse("2\\frac{1}{2}"));
    }

    @Test
    void constantsAndStructures() {
        assertEquals(new Const(Constant.PI), parse("\\pi"));
        assertEquals(new Const(Constant.E), parse("e"));
        assertEquals(new Const(Constant.INFINITY), parse("\\infty"));
        Expr interval = parse("[1, 2)");
        assertTrue(interval instanceof Sequence s && s.open() == '[' && s.close() == ')', interval.toString());
        Expr set = parse("\\{1, 2\\}");
        assertTrue(set instanceof Sequence s && s.isSet() && s.items().size() == 2, set.toString());
        assertTrue(parse("1 < x \\le 2") instanceof Relation r && r.operands().size() == 3);
    }

    @Test
    void rightAssociativePowers() {
        assertEquals(new Power(num(2), new Power(num(3), num(2))), parse("2^3^2"));
    }

    @Test
    void deepNestingIsRefusedNotRecursedInto() {
        String deep = "(".repeat(100_000) + "1" + ")".repeat(100_000);
        ParseFailure e = assertThrows(ParseFailure.class, () -> parse(deep));
        assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
        String braces = "{".repeat(50_000) + "1" + "}".repeat(50_000);
        assertThrows(ParseFailure.class, () -> parse(braces));
        String powers = "2" + "^{2".repeat(20_000) + "}".repeat(20_000);
        assertThrows(ParseFailure.class, () -> parse(powers));
        // long runs of signs are read in a loop, so they parse fine
        assertEquals(num(5), parse("-".repeat(100_000) + "5"));
    }

    @Test
    void malformedInputFailsCleanly() {
        for (String bad : List.of("", "(", "1 +", "\\frac{1}{", "\\begin{pmatrix} 1 &", "2 3", "\\unknown{x}", ")(")) {
            assertThrows(ParseFailure.class, () -> parse(bad), bad);
        }
    }
}
