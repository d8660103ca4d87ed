package dev.r1j.rewards.code.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Host uids lent to runs in {@link BubblewrapSandbox.Mode#ROOT_DROPS_TO_RUN_UID}. The kernel counts
 * RLIMIT_NPROC per host uid there, so two runs sharing a uid would share one process budget; each
 * run in flight gets its own. The range is high and offset by this JVM's pid so that it matches no
 * account and rarely another JVM's range.
 */
final class RunUids {

    private static final int SLOTS = 256;
    private static final int BASE = 1_500_000_000 + (int) (ProcessHandle.current().pid() % 100_000) * SLOTS;
    private static final BlockingQueue<Integer> FREE = new ArrayBlockingQueue<>(SLOTS);

    static {
        for (int i = 0; i < SLOTS; i++) {
            FREE.add(BASE + i);
        }
    }

    private RunUids() {
    }

    /** A uid no other run of this JVM holds; waits while all are lent. */
    static int acquire() {
        try {
            return FREE.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a sandbox uid", e);
        }
    }

    static void release(int uid) {
        FREE.add(uid);
    }
}
