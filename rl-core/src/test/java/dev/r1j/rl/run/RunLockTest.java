package dev.r1j.rl.run;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.r1j.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {

    @TempDir
    Path tmp;

    @Test
    void aHeldDirectoryIsRefusedNamingItsOwnerThenFreedOnClose() {
        Path run = tmp.resolve("run");
        try (RunLock held = RunLock.acquire(run)) {
            BadInputException e = assertThrows(RunLock.InUseException.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains("in use") && e.getMessage().contains("pid " + ProcessHandle.current().pid()),
                    e.getMessage());
        }
        try (RunLock again = RunLock.acquire(run)) {
            assertTrue(Files.exists(run.resolve(".lock")));
        }
    }

    @Test
    void aFileIsLockedBesideItself() {
        Path out = tmp.resolve("traces.jsonl");
        try (RunLock held = RunLock.forFile(out)) {
            assertTrue(Files.exists(tmp.resolve("traces.jsonl.lock")));
            assertThrows(RunLock.InUseException.class, () -> RunLock.forFile(out));
        }
    }

    /** Holds the lock of a directory until killed: the other process of the test below. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]));
            System.out.println("held");
            System.out.flush();
            Thread.sleep(120_000);
            lock.close();
        }
    }

    @Test
    void anotherProcessIsRefusedAndItsLockDiesWithIt() throws Exception {
        Path run = tmp.resolve("shared");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(),
                run.toString()).redirectErrorStream(true).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
            assertTrue("held".equals(line), "the holder process should report the lock, said: " + line);
            BadInputException e = assertThrows(RunLock.InUseException.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains("pid " + holder.pid()), e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        // The holder died without releasing anything: its lock died with it.
        try (RunLock mine = RunLock.acquire(run)) {
            assertTrue(Files.readString(run.resolve(".lock")).contains(Long.toString(ProcessHandle.current().pid())));
        }
    }
}
