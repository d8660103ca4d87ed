package dev.r1j.rewards.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every GSM8K gold answer in a 200-problem slice of the test split (MIT licensed, see LICENSE-gsm8k)
 * verifies against itself in the usual answer formats, and not against its neighbour plus one.
 */
class Gsm8kSanityTest {

    static List<String> goldAnswers() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Gsm8kSanityTest.class.getResourceAsStream("/math/gsm8k-test-slice.jsonl"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode node = json.readTree(line);
                String answer = node.get("answer").asText();
                out.add(answer.substring(answer.lastIndexOf("####") + 4).trim());
            }
        }
        return out;
    }

    @Test
    void goldAnswersVerifyAgainstThemselves() throws IOException {
        List<String> golds = goldAnswers();
        assertEquals(200, golds.size());
        MathVerifier strict = MathVerifier.builder().strict(true).build();
        List<String> failures = new ArrayList<>();
        for (String gold : golds) {
            for (String completion : List.of("The answer is " + gold + ".", "\\boxed{" + gold + "}",
                    "Reasoning...\n#### " + gold, "<answer>" + gold + "</answer>")) {
                if (!strict.verify(gold, completion).correct()) {
                    failures.add(gold + " in " + completion);
                }
            }
        }
        assertTrue(failures.isEmpty(), "not verified: " + failures);
    }

    @Test
    void goldAnswersDoNotVerifyAgainstAnOffByOne() throws IOException {
        List<String> failures = new ArrayList<>();
        for (String gold : goldAnswers()) {
            String plain = gold.replace(",", "");
            String other = new java.math.BigDecimal(plain).add(java.math.BigDecimal.ONE).toPlainString();
            if (MathVerifier.defaults().verify(gold, "The answer is " + other + ".").correct()) {
                failures.add(gold + " vs " + other);
            }
        }
        assertTrue(failures.isEmpty(), "wrongly accepted: " + failures);
    }
}
