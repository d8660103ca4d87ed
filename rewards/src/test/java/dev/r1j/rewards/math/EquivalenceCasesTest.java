package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every case of {@code math/equivalences.tsv} and {@code math/equivalences-extra.tsv} (gold,
 * prediction, expected verdict), and of {@code math/completions.tsv} (gold, whole completion, expected).
 */
class EquivalenceCasesTest {

    private static final MathVerifier VERIFIER = MathVerifier.defaults();

    static Stream<Arguments> cases() {
        return Stream.concat(readCases("equivalences.tsv").stream(), readCases("equivalences-extra.tsv").stream())
                .map(c -> Arguments.of(c[0], c[1], Boolean.parseBoolean(c[2]), c[3]));
    }

    static Stream<Arguments> completions() {
        return readCases("completions.tsv").stream()
                .map(c -> Arguments.of(c[0], c[1].replace("\\n", "\n"), Boolean.parseBoolean(c[2]), c[3]));
    }

    private static List<String[]> readCases() {
        return readCases("equivalences.tsv");
    }

    private static List<String[]> readCases(String name) {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = EquivalenceCasesTest.class.getResourceAsStream("/math/" + name);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t", -1);
                if (parts.length != 3 || !(parts[2].equals("true") || parts[2].equals("false"))) {
                    throw new IllegalStateException(name + " line " + number + " is not gold<TAB>pred<TAB>true|false");
                }
                out.add(new String[] {parts[0], parts[1], parts[2], name + " line " + number});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @ParameterizedTest(name = "{3}: {0} vs {1} -> {2}")
    @MethodSource("cases")
    void caseHolds(String gold, String pred, boolean expected, String where) {
        assertEquals(expected, VERIFIER.equivalent(gold, pred),
                () -> where + ": gold [" + gold + "] pred [" + pred + "] expected " + expected);
    }

    @ParameterizedTest(name = "{3}: {0} in {1} -> {2}")
    @MethodSource("completions")
    void completionHolds(String gold, String completion, boolean expected, String where) {
        assertEquals(expected, VERIFIER.verify(gold, completion).correct(),
                () -> where + ": gold [" + gold + "] completion [" + completion + "] expected " + expected);
    }

    @Test
    void theCaseFileIsLargeAndBalanced() {
        List<String[]> all = readCases();
        long positives = all.stream().filter(c -> c[2].equals("true")).count();
        assertTrue(all.size() >= 250, "at least 250 cases, found " + all.size());
        assertTrue(positives >= 100 && all.size() - positives >= 80,
                "both verdicts well represented: " + positives + " true of " + all.size());
    }

    @Test
    void equalAnswersAreEqualWhicheverSideIsGoldForSymmetricShapes() {
        assertTrue(VERIFIER.equivalent("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"));
        assertTrue(VERIFIER.equivalent("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}"));
        assertFalse(VERIFIER.equivalent("1", "2"));
    }
}
