package dev.r1j.rewards.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.r1j.rewards.Problem;
import dev.r1j.rewards.format.SelfCheck;
import dev.r1j.rewards.format.ThinkStart;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SelfCheckingSolutionTest {

    /** Draws that return {@code picks} in turn and record the bounds they were asked for. */
    static final class Scripted implements RandomGenerator {
        private final int[] picks;
        private int next;
        final List<Integer> bounds = new ArrayList<>();

        Scripted(int... picks) {
            this.picks = picks;
        }

        @Override
        public int nextInt(int bound) {
            bounds.add(bound);
            int v = picks[next++];
            assertTrue(v >= 0 && v < bound, v + " drawn below " + bound);
            return v;
        }

        @Override
        public long nextLong() {
            throw new AssertionError("a slip is drawn with two bounded int draws only");
        }
    }

    @Test
    void eachOperatorIsCheckedItsOwnSecondWay() {
        assertEquals("48+360=408\ncheck 408-360=48 ok", SelfCheckingSolution.checked("48+360=408"));
        assertEquals("3-7=-4\ncheck (-4)+7=3 ok", SelfCheckingSolution.checked("3-7=-4"));
        assertEquals("(-4)*3=-12\ncheck 3*(-4)=-12 ok", SelfCheckingSolution.checked("(-4)*3=-12"));
        assertEquals("84/7=12\ncheck 12*7=84 ok", SelfCheckingSolution.checked("84/7=12"));
        assertEquals("5-(-3)=8\ncheck 8+(-3)=5 ok", SelfCheckingSolution.checked("5-(-3)=8"));
        assertEquals("-4*3=-12\ncheck 3*(-4)=-12 ok", SelfCheckingSolution.checked("-4*3=-12"),
                "a bare negative operand is read; the check writes it as the generators do");
        assertEquals("12*4=48\ncheck 4*12=48 ok\n12*30=360\ncheck 30*12=360 ok\n48+360=408\ncheck 408-360=48 ok",
                SelfCheckingSolution.checked("12*4=48\n12*30=360\n48+360=408"));
        assertEquals("", SelfCheckingSolution.checked(""), "nothing to check");
    }

    @Test
    void aSlipIsWrittenCheckedHonestlyFoundWrongAndRedone() {
        Scripted plus = new Scripted(0, 4);
        assertEquals("48+360=418\ncheck 418-360=58 wait\n48+360=408\ncheck 408-360=48 ok",
                SelfCheckingSolution.withSlip("48+360=408", plus));
        assertEquals(List.of(1, 8), plus.bounds, "one step; a three-digit result can also be off by 100");
        Scripted minus = new Scripted(0, 1);
        assertEquals("3-7=-5\ncheck (-5)+7=2 wait\n3-7=-4\ncheck (-4)+7=3 ok", SelfCheckingSolution.withSlip("3-7=-4", minus));
        assertEquals(List.of(1, 6), minus.bounds, "a small result is off by 1, 2 or 10 only");
        assertEquals("(-4)*3=-10\ncheck 3*(-4)=-12 wait\n(-4)*3=-12\ncheck 3*(-4)=-12 ok",
                SelfCheckingSolution.withSlip("(-4)*3=-12", new Scripted(0, 2)), "a product's check recomputes it");
        assertEquals("84/7=10\ncheck 10*7=70 wait\n84/7=12\ncheck 12*7=84 ok",
                SelfCheckingSolution.withSlip("84/7=12", new Scripted(0, 3)));
        assertEquals("1200/3=300\ncheck 300*3=900 wait\n1200/3=400\ncheck 400*3=1200 ok",
                SelfCheckingSolution.withSlip("1200/3=400", new Scripted(0, 7)));
        assertEquals("12*4=48\ncheck 4*12=48 ok\n12*30=350\ncheck 30*12=360 wait\n12*30=360\ncheck 30*12=360 ok\n"
                        + "48+360=408\ncheck 408-360=48 ok",
                SelfCheckingSolution.withSlip("12*4=48\n12*30=360\n48+360=408", new Scripted(1, 5)),
                "the slip is at the drawn step; the steps after it go on as usual");
    }

    @Test
    void theSameDrawsGiveTheSameSlip() {
        String solution = MultiplicationTask.workedSolution(347, 86);
        assertEquals(SelfCheckingSolution.withSlip(solution, new SplittableRandom(7)),
                SelfCheckingSolution.withSlip(solution, new SplittableRandom(7)));
    }

    @Test
    void aLineThatIsNotATrueStepIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SelfCheckingSolution.checked("12*4=48\n12*30=360\nso the answer is 408"));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("'so the answer is 408'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("3+4=8"));
        assertTrue(e.getMessage().contains("line 1 '3+4=8' is not true: it makes 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("7/2=3"));
        assertTrue(e.getMessage().contains("'7/2=3' is not true"), "a remainder: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("7/0=0"));
        e = assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("1+2=3\n"));
        assertTrue(e.getMessage().contains("line 2 ''"), "a trailing newline is an empty line: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("3 + 4 = 7"));
        assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("3^2=9"));
        assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.checked("99999999999999999999+1=0"));
        e = assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.withSlip("", new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SelfCheckingSolution.withSlip("x", new SplittableRandom(1)));
    }

    // ---------------------------------------------------------------------------------------------
    // The invariants, over generated problems of the corpus's three tasks

    private static final String N = "(\\(-\\d+\\)|-?\\d+)";
    private static final Pattern STEP = Pattern.compile(N + "([-+*/])" + N + "=(-?\\d+)");
    private static final Pattern CHECK = Pattern.compile("check " + N + "([-+*])" + N + "=(-?\\d+) (ok|wait)");

    /** a op b = c, as read back from the text. */
    private record Line(long a, char op, long b, long c, String left) {}

    private static long num(String s) {
        return Long.parseLong(s.startsWith("(") ? s.substring(1, s.length() - 1) : s);
    }

    private static long apply(long a, char op, long b) {
        return switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> a / b;
        };
    }

    private static Line step(String text) {
        Matcher m = STEP.matcher(text);
        if (!m.matches()) {
            fail("not a step: '" + text + "'");
        }
        return new Line(num(m.group(1)), m.group(2).charAt(0), num(m.group(3)), Long.parseLong(m.group(4)),
                text.substring(0, m.start(4) - 1));
    }

    /** The check line, with its arithmetic verified true; the last element is whether it passed. */
    private static Object[] check(String text) {
        Matcher m = CHECK.matcher(text);
        if (!m.matches()) {
            fail("not a check: '" + text + "'");
        }
        long x = num(m.group(1));
        char op = m.group(2).charAt(0);
        long y = num(m.group(3));
        long z = Long.parseLong(m.group(4));
        assertEquals(apply(x, op, y), z, "a check's arithmetic is true: " + text);
        return new Object[] {new Line(x, op, y, z, ""), m.group(5).equals("ok")};
    }

    /** Whether {@code check} is the second way of computing {@code step} and its result matches what the step wrote. */
    private static boolean agrees(Line step, Line check) {
        return switch (step.op()) {
            case '+' -> check.op() == '-' && check.a() == step.c() && check.b() == step.b() && check.c() == step.a();
            case '-' -> check.op() == '+' && check.a() == step.c() && check.b() == step.b() && check.c() == step.a();
            case '*' -> check.op() == '*' && check.a() == step.b() && check.b() == step.a() && check.c() == step.c();
            default -> check.op() == '*' && check.a() == step.c() && check.b() == step.b() && check.c() == step.a();
        };
    }

    /** Whether {@code check} is computed on the step as written and fails, as a slip's check must. */
    private static boolean failsOnWhatWasWritten(Line step, Line check) {
        boolean onWritten = switch (step.op()) {
            case '+', '-', '/' -> check.a() == step.c() && check.b() == step.b();
            default -> check.a() == step.b() && check.b() == step.a();
        };
        return onWritten && !agrees(step, check);
    }

    @Test
    void checkedAndSlippedSolutionsKeepTheInvariantsOnEveryTask() {
        record Gen(TaskGenerator task, int n) {}
        SplittableRandom draws = new SplittableRandom(2024);
        Set<Character> operators = new java.util.TreeSet<>();
        int slipsFirst = 0;
        int slipsLast = 0;
        for (Gen g : List.of(new Gen(new MultiplicationTask(2, 2), 3000), new Gen(new ExpressionTask(3, 4, 9), 3000),
                new Gen(new CountdownTask(4, 50), 2000))) {
            for (Problem p : g.task().generate(g.n(), 11)) {
                String solution = p.meta(TaskGenerator.SOLUTION, "");
                List<String> plain = Arrays.asList(solution.split("\n"));
                String checked = SelfCheckingSolution.checked(solution);
                List<String> lines = Arrays.asList(checked.split("\n", -1));
                assertEquals(2 * plain.size(), lines.size(), checked);
                for (int i = 0; i < plain.size(); i++) {
                    assertEquals(plain.get(i), lines.get(2 * i), "the steps are the solution's");
                    Line s = step(lines.get(2 * i));
                    operators.add(s.op());
                    Object[] c = check(lines.get(2 * i + 1));
                    assertTrue((Boolean) c[1] && agrees(s, (Line) c[0]), "an ok check agrees with its step: " + checked);
                }

                String slipped = SelfCheckingSolution.withSlip(solution, draws);
                List<String> sl = new ArrayList<>(Arrays.asList(slipped.split("\n", -1)));
                int waits = 0;
                int at = -1;
                for (int i = 0; i < sl.size(); i += 2) {
                    Line s = step(sl.get(i));
                    Object[] c = check(sl.get(i + 1));
                    if ((Boolean) c[1]) {
                        assertTrue(agrees(s, (Line) c[0]), "ok agrees: " + slipped);
                    } else {
                        assertTrue(failsOnWhatWasWritten(s, (Line) c[0]), "wait disagrees, honestly: " + slipped);
                        Line redone = step(sl.get(i + 2));
                        assertEquals(s.left(), redone.left(), "the step is redone: " + slipped);
                        long error = s.c() - redone.c();
                        assertTrue(Set.of(1L, 2L, 10L).contains(Math.abs(error))
                                || Math.abs(error) == 100 && Math.abs(redone.c()) >= 100, "a small slip: " + slipped);
                        waits++;
                        at = i / 2;
                    }
                }
                assertEquals(1, waits, "exactly one slip: " + slipped);
                slipsFirst += at == 0 ? 1 : 0;
                slipsLast += at == plain.size() - 1 ? 1 : 0;
                sl.subList(2 * at, 2 * at + 2).clear();
                assertEquals(checked, String.join("\n", sl), "the slip aside, the checked solution");
                assertTrue(sl.get(sl.size() - 2).endsWith("=" + p.answer()), "the answer stays right: " + slipped);

                String doc = "<think>" + SelfCheckingSolution.CHECK_MODE + "\n" + slipped + "</think><answer>" + p.answer()
                        + "</answer>";
                assertTrue(SelfCheck.checks(ThinkStart.OUTSIDE, doc) && SelfCheck.corrects(ThinkStart.OUTSIDE, doc), doc);
                String clean = doc.replace(slipped, checked);
                assertTrue(SelfCheck.checks(ThinkStart.OUTSIDE, clean), clean);
                assertFalse(SelfCheck.corrects(ThinkStart.OUTSIDE, clean), clean);
            }
        }
        assertEquals(Set.of('+', '-', '*', '/'), operators, "every operator was exercised");
        assertTrue(slipsFirst > 0 && slipsLast > 0, "slips fall on first and last steps: " + slipsFirst + ", " + slipsLast);
    }
    @Test
    void splitChecksRecomputeSumsAndProductsInEasierParts() {
        assertEquals("37*6=222\ncheck 30*6=180 7*6=42 180+42=222 ok", SelfCheckingSolution.checked("37*6=222", CheckStyle.SPLIT));
        assertEquals("37*40=1480\ncheck 30*40=1200 7*40=280 1200+280=1480 ok",
                SelfCheckingSolution.checked("37*40=1480", CheckStyle.SPLIT));
        assertEquals("6*37=222\ncheck 6*30=180 6*7=42 180+42=222 ok", SelfCheckingSolution.checked("6*37=222", CheckStyle.SPLIT),
                "the split factor keeps its place");
        assertEquals("522+4060=4582\ncheck 522+4000=4522 4522+60=4582 ok",
                SelfCheckingSolution.checked("522+4060=4582", CheckStyle.SPLIT), "the longer operand is split");
        assertEquals("4060+522=4582\ncheck 522+4000=4522 4522+60=4582 ok",
                SelfCheckingSolution.checked("4060+522=4582", CheckStyle.SPLIT));
        assertEquals("100+75=175\ncheck 100+70=170 170+5=175 ok", SelfCheckingSolution.checked("100+75=175", CheckStyle.SPLIT),
                "a round operand is not split: its rest would be 0");
        assertEquals("4+56=60\ncheck 4+50=54 54+6=60 ok", SelfCheckingSolution.checked("4+56=60", CheckStyle.SPLIT));
        assertEquals("7*8=56\ncheck 8*7=56 ok", SelfCheckingSolution.checked("7*8=56", CheckStyle.SPLIT),
                "nothing to split: the inverse style");
        assertEquals("30*40=1200\ncheck 40*30=1200 ok", SelfCheckingSolution.checked("30*40=1200", CheckStyle.SPLIT));
        assertEquals("60-6=54\ncheck 54+6=60 ok", SelfCheckingSolution.checked("60-6=54", CheckStyle.SPLIT), "differences: inverse");
        assertEquals("84/7=12\ncheck 12*7=84 ok", SelfCheckingSolution.checked("84/7=12", CheckStyle.SPLIT), "quotients: inverse");
        assertEquals("(-4)*13=-52\ncheck 13*(-4)=-52 ok", SelfCheckingSolution.checked("(-4)*13=-52", CheckStyle.SPLIT),
                "negative operands: inverse");
        assertEquals(SelfCheckingSolution.checked("12*4=48\n12*30=360\n48+360=408"),
                SelfCheckingSolution.checked("12*4=48\n12*30=360\n48+360=408", CheckStyle.INVERSE), "the default style");
    }

    @Test
    void aComparedSplitCheckEndsWithTheNumberItsResultMustEqual() {
        assertEquals("37*6=222\ncheck 30*6=180 7*6=42 180+42=222 vs 222 ok",
                SelfCheckingSolution.checked("37*6=222", CheckStyle.SPLIT_COMPARED));
        assertEquals("60-6=54\ncheck 54+6=60 vs 60 ok", SelfCheckingSolution.checked("60-6=54", CheckStyle.SPLIT_COMPARED),
                "an inverse check compares with the first operand");
        assertEquals("7*8=56\ncheck 8*7=56 vs 56 ok", SelfCheckingSolution.checked("7*8=56", CheckStyle.SPLIT_COMPARED));
        assertEquals("37*6=232\ncheck 30*6=180 7*6=42 180+42=222 vs 232 wait\n37*6=222\ncheck 30*6=180 7*6=42 180+42=222 vs 222 ok",
                SelfCheckingSolution.withSlip("37*6=222", CheckStyle.SPLIT_COMPARED, new Scripted(0, 4)).text());
        assertEquals("3-7=-5\ncheck (-5)+7=2 vs 3 wait\n3-7=-4\ncheck (-4)+7=3 vs 3 ok",
                SelfCheckingSolution.withSlip("3-7=-4", CheckStyle.SPLIT_COMPARED, new Scripted(0, 1)).text());
    }

    @Test
    void aSplitCheckAfterASlipArrivesAtTheTrueResultAndSaysWhereTheSlipIs() {
        SelfCheckingSolution.Slipped s = SelfCheckingSolution.withSlip("12*4=48\n12*30=360\n48+360=408", CheckStyle.SPLIT,
                new Scripted(2, 4));
        assertEquals("12*4=48\ncheck 10*4=40 2*4=8 40+8=48 ok\n12*30=360\ncheck 10*30=300 2*30=60 300+60=360 ok\n"
                + "48+360=418\ncheck 48+300=348 348+60=408 wait\n48+360=408\ncheck 48+300=348 348+60=408 ok",
                s.text(), "the check arrives at the true result");
        assertEquals(1, s.slips().size());
        assertEquals("418", s.text().substring(s.slips().get(0).start(), s.slips().get(0).end()), "the span is the slipped result");
        SelfCheckingSolution.Slipped first = SelfCheckingSolution.withSlip("48+360=408", CheckStyle.INVERSE, new Scripted(0, 4));
        assertEquals(SelfCheckingSolution.withSlip("48+360=408", new Scripted(0, 4)), first.text(), "the same draws, the same text");
        assertEquals("418", first.text().substring(first.slips().get(0).start(), first.slips().get(0).end()));
        SelfCheckingSolution.Slipped negative = SelfCheckingSolution.withSlip("3-7=-4", CheckStyle.SPLIT, new Scripted(0, 1));
        assertEquals("-5", negative.text().substring(negative.slips().get(0).start(), negative.slips().get(0).end()),
                "a sign is part of the result");
    }

    /** Draws that return the given doubles and ints in the order asked for. */
    static final class Sequence implements RandomGenerator {
        private final java.util.ArrayDeque<Object> draws = new java.util.ArrayDeque<>();

        Sequence(Object... draws) {
            this.draws.addAll(List.of(draws));
        }

        @Override
        public double nextDouble() {
            return (Double) draws.removeFirst();
        }

        @Override
        public int nextInt(int bound) {
            int v = (Integer) draws.removeFirst();
            assertTrue(v >= 0 && v < bound, v + " drawn below " + bound);
            return v;
        }

        @Override
        public long nextLong() {
            throw new AssertionError("slips are drawn with nextDouble and bounded nextInt only");
        }

        boolean used() {
            return draws.isEmpty();
        }
    }

    @Test
    void eachStepCanSlipAndASlippedStepIsRewrittenWithTheChecksResult() {
        Sequence draws = new Sequence(0.1, 2, 0.9, 0.2, 0);
        SelfCheckingSolution.Slipped s = SelfCheckingSolution.withSlips("12*4=48\n12*30=360\n48+360=408", CheckStyle.SPLIT_COMPARED,
                0.5, draws);
        assertEquals("12*4=50\ncheck 10*4=40 2*4=8 40+8=48 vs 50 wait\n12*4=48\n"
                + "12*30=360\ncheck 10*30=300 2*30=60 300+60=360 vs 360 ok\n"
                + "48+360=409\ncheck 48+300=348 348+60=408 vs 409 wait\n48+360=408", s.text());
        assertTrue(draws.used(), "per step one draw for the slip and one for its error");
        assertEquals(List.of("50", "409"), s.slips().stream().map(sp -> s.text().substring(sp.start(), sp.end())).toList());
        assertEquals(SelfCheckingSolution.checked("12*4=48\n12*30=360", CheckStyle.SPLIT),
                SelfCheckingSolution.withSlips("12*4=48\n12*30=360", CheckStyle.SPLIT, 0, new SplittableRandom(1)).text(),
                "no share, no slips");
        assertEquals(List.of(), SelfCheckingSolution.withSlips("12*4=48", CheckStyle.SPLIT, 0, new SplittableRandom(1)).slips());
        assertEquals(3, SelfCheckingSolution.withSlips("12*4=48\n12*30=360\n48+360=408", CheckStyle.SPLIT, 1,
                new SplittableRandom(1)).slips().size(), "every step slips at share 1");
        assertThrows(IllegalArgumentException.class,
                () -> SelfCheckingSolution.withSlips("12*4=48", CheckStyle.SPLIT, 1.5, new SplittableRandom(1)));
    }

    @Test
    void everySplitCheckOfGeneratedSolutionsIsTrueArithmeticWithItsComparedNumberBesideIt() {
        Pattern op = Pattern.compile("(\\(-\\d+\\)|-?\\d+)([-+*/])(\\(-\\d+\\)|-?\\d+)=(-?\\d+)");
        int checked = 0;
        for (TaskGenerator task : List.of(new MultiplicationTask(2, 2), new ExpressionTask(3, 4, 9), new CountdownTask(4, 100))) {
            for (Problem p : task.generate(300, 5)) {
                String solution = p.meta(TaskGenerator.SOLUTION, "");
                if (solution.isEmpty()) {
                    continue;
                }
                for (String line : SelfCheckingSolution.checked(solution, CheckStyle.SPLIT_COMPARED).split("\n")) {
                    if (!line.startsWith("check ")) {
                        continue;
                    }
                    String body = line.substring(6, line.lastIndexOf(' '));
                    String[] verdict = body.split(" vs ");
                    assertEquals(2, verdict.length, line);
                    String last = verdict[0].substring(verdict[0].lastIndexOf('=') + 1);
                    assertTrue(line.endsWith(last.equals(verdict[1]) ? " ok" : " wait"), "the verdict compares the neighbours: " + line);
                    body = verdict[0];
                    for (String part : body.split(" ")) {
                        Matcher m = op.matcher(part);
                        assertTrue(m.matches(), part + " in " + line);
                        long a = Long.parseLong(m.group(1).replace("(", "").replace(")", ""));
                        long b = Long.parseLong(m.group(3).replace("(", "").replace(")", ""));
                        long c = Long.parseLong(m.group(4));
                        long v = switch (m.group(2)) {
                            case "+" -> a + b;
                            case "-" -> a - b;
                            case "*" -> a * b;
                            default -> a / b;
                        };
                        assertEquals(v, c, part + " in " + line);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 1000, "parts checked: " + checked);
    }
}
