package dev.r1j.rewards.format;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SelfCheckTest {

    private static final ThinkStart OUT = ThinkStart.OUTSIDE;

    @Test
    void aCheckLineInTheThinkBlockChecksAndAFailedOneCorrects() {
        String ok = "<think>solve and check\n3+4=7\ncheck 7-4=3 ok\n</think><answer>7</answer>";
        assertTrue(SelfCheck.checks(OUT, ok));
        assertFalse(SelfCheck.corrects(OUT, ok));
        String redone = "<think>solve and check\n3+4=8\ncheck 8-4=4 wait\n3+4=7\ncheck 7-4=3 ok</think>\n<answer>7</answer>\n";
        assertTrue(SelfCheck.checks(OUT, redone));
        assertTrue(SelfCheck.corrects(OUT, redone));
        assertTrue(SelfCheck.checks(OUT, "<think>check 1+1=2 ok</think><answer>2</answer>"), "right after the tag");
        assertTrue(SelfCheck.corrects(OUT, "<think>1+1=3\r\ncheck 3-1=2 wait \r\n</think><answer>2</answer>"),
                "CRLF lines and trailing blanks");
    }

    @Test
    void theModeLineAndLookAlikesAreNoChecks() {
        assertFalse(SelfCheck.checks(OUT, "<think>solve and check\n3+4=7</think><answer>7</answer>"),
                "asking to check is not checking");
        assertFalse(SelfCheck.checks(OUT, "<think>checked it\n3+4=7</think><answer>7</answer>"));
        assertFalse(SelfCheck.checks(OUT, "<think> check 7-4=3 ok</think><answer>7</answer>"), "a check line starts the line");
        assertFalse(SelfCheck.checks(OUT, "<think>3+4=7, check 7-4=3 ok</think><answer>7</answer>"));
        assertFalse(SelfCheck.corrects(OUT, "<think>check 8-4=4 waiting</think><answer>7</answer>"));
        assertFalse(SelfCheck.corrects(OUT, "<think>check wait 7-4=3 ok</think><answer>7</answer>"));
        assertFalse(SelfCheck.corrects(OUT, "<think>3+4=8 wait\n3+4=7</think><answer>7</answer>"), "wait without a check");
    }

    @Test
    void checksOutsideAWellFormedThinkBlockDoNotCount() {
        String[] outside = {
            "<think>3+4=7</think><answer>\ncheck 7-4=3 wait\n7</answer>",               // in the answer
            "<think>3+4=7</think><answer>7</answer>\ncheck 7-4=3 wait",                 // after the answer
            "<think>check 7-4=3 wait</think><answer>7</answer>trailing text",           // text after </answer>
            "check 7-4=3 wait\n<think>3+4=7</think><answer>7</answer>",                 // before the block
            "<think>x</think><think>check 7-4=3 wait</think><answer>7</answer>",        // two think blocks
            "<think>check 7-4=3 wait<answer>7</answer></think>",                        // answer inside the block
            "</think>check 7-4=3 wait<think><answer>7</answer>",                        // tags reversed
            "<think>check 7-4=3 wait\n<answer>7</answer>",                              // never closed
            "<think>check 7-4=3 wait</think>",                                          // no answer
            "<answer>check 7-4=3 wait</answer>",                                        // no think block
            "check 7-4=3 wait",
            "",
        };
        for (String text : outside) {
            assertFalse(SelfCheck.checks(OUT, text), text);
            assertFalse(SelfCheck.corrects(OUT, text), text);
        }
        assertFalse(SelfCheck.checks(OUT, null));
        assertFalse(SelfCheck.corrects(OUT, null));
    }

    @Test
    void theCompletionIsReadAsTheContinuationOfItsPrompt() {
        String continued = "solve and check\n1+2=4\ncheck 4-2=2 wait\n1+2=3\ncheck 3-2=1 ok\n</think><answer>3</answer>";
        assertTrue(SelfCheck.checks(ThinkStart.INSIDE, continued));
        assertTrue(SelfCheck.corrects(ThinkStart.INSIDE, continued));
        assertFalse(SelfCheck.checks(OUT, continued), "the same text is malformed where the model opens the block");
        assertFalse(SelfCheck.checks(ThinkStart.INSIDE, ""));
        assertFalse(SelfCheck.checks(ThinkStart.AFTER, "<answer>3</answer>"), "thinking was switched off");
        assertFalse(SelfCheck.checks(ThinkStart.AFTER, "<think>check 3-2=1 ok</think><answer>3</answer>"));
        assertThrows(NullPointerException.class, () -> SelfCheck.checks(null, continued));
    }
}
