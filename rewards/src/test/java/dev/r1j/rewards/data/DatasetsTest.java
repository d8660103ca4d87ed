package dev.r1j.rewards.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.Problem;
import dev.r1j.rewards.TaskKind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path tmp;

    @Test
    void bundledGsm8kSplitsAreComplete() {
        List<Problem> test = Gsm8k.builtinTest();
        List<Problem> train = Gsm8k.builtinTrain();
        assertEquals(1319, test.size());
        assertEquals(7473, train.size());
        Problem first = test.get(0);
        assertEquals("18", first.answer());
        assertTrue(first.prompt().startsWith("Janet"));
        assertTrue(first.meta("solution", "").endsWith("#### 18"));
        assertTrue(train.stream().allMatch(p -> p.answer().matches("-?[0-9.]+")), "every answer is a plain number");
    }

    @Test
    void gsm8kFromAFileIncludingGzipAndBadLines() throws IOException {
        Path f = tmp.resolve("g.jsonl");
        Files.writeString(f, "{\"question\": \"q1\", \"answer\": \"so 1,200 #### 1,200\"}\n\n{\"question\": \"q2\", \"answer\": \"#### 7\"}\n");
        List<Problem> ps = Gsm8k.load(f);
        assertEquals(List.of("1200", "7"), ps.stream().map(Problem::answer).toList());
        assertEquals("gsm8k-3", ps.get(1).id(), "ids follow the line numbers");
        Path gz = tmp.resolve("g.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(f));
        }
        assertEquals(2, Gsm8k.load(gz).size());

        Files.writeString(f, "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q\"}\n");
        assertMessage(() -> Gsm8k.load(f), "g.jsonl:2: field 'answer'", "missing");
        Files.writeString(f, "{\"question\": \"q\", \"answer\": \"no final\"}\n");
        assertMessage(() -> Gsm8k.load(f), "g.jsonl:1: field 'answer'", "####");
        Files.writeString(f, "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{not json\n");
        assertMessage(() -> Gsm8k.load(f), "g.jsonl:2", "not valid JSON");
        Files.writeString(f, "[1, 2]\n");
        assertMessage(() -> Gsm8k.load(f), "g.jsonl:1", "object");
        Files.writeString(f, "{\"question\": [1], \"answer\": \"#### 1\"}\n");
        assertMessage(() -> Gsm8k.load(f), "field 'question'", "string");
        assertMessage(() -> Gsm8k.load(tmp.resolve("absent.jsonl")), "absent.jsonl", "no such file");
    }

    @Test
    void mathStyleTakesTheLastBoxedAnswer() throws IOException {
        Path f = tmp.resolve("m.jsonl");
        Files.writeString(f, "{\"problem\": \"p\", \"solution\": \"first \\\\boxed{1}, then \\\\boxed{\\\\frac{1}{2}}\", \"level\": \"Level 2\", \"type\": \"Algebra\"}\n"
                + "{\"problem\": \"p2\", \"solution\": \"no box\"}\n");
        assertMessage(() -> MathDataset.load(f), "m.jsonl:2: field 'solution'", "boxed");
        Files.writeString(f, Files.readAllLines(f).get(0) + "\n");
        Problem p = MathDataset.load(f).get(0);
        assertEquals("\\frac{1}{2}", p.answer());
        assertEquals("Algebra", p.meta("type", ""));
    }

    @Test
    void genericJsonlKeepsExtraFieldsAndKinds() throws IOException {
        Path f = tmp.resolve("x.jsonl");
        Files.writeString(f, "{\"prompt\": \"Use 1,2 to make 3\", \"answer\": \"3\", \"kind\": \"countdown\", \"numbers\": [1, 2], \"id\": \"c1\"}\n"
                + "{\"question\": \"2+2?\", \"answer\": 4, \"source\": \"mine\"}\n");
        List<Problem> ps = GenericJsonl.load(f);
        assertEquals(TaskKind.COUNTDOWN, ps.get(0).kind());
        assertEquals("1,2", ps.get(0).meta("numbers", ""));
        assertEquals("c1", ps.get(0).id());
        assertEquals("4", ps.get(1).answer());
        assertEquals("mine", ps.get(1).meta("source", ""));
        Files.writeString(f, "{\"answer\": \"3\"}\n");
        assertMessage(() -> GenericJsonl.load(f), "x.jsonl:1: field 'prompt'", "missing");
        Files.writeString(f, "{\"prompt\": \"p\", \"answer\": \"3\", \"kind\": \"poetry\"}\n");
        assertMessage(() -> GenericJsonl.load(f), "field 'kind'", "poetry");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String where, String what) {
        BadInputException ex = assertThrows(BadInputException.class, e);
        assertTrue(ex.getMessage().contains(where) && ex.getMessage().contains(what), ex.getMessage());
    }
}
