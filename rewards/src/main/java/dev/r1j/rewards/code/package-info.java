/**
 * Code rewards: model-written programs executed against tests, only inside a sandbox.
 *
 * <p>{@link dev.r1j.rewards.code.CodeReward} scores HumanEval-style problems (prompt + completion +
 * test code, with a per-run marker that proves the tests ran to the end) and stdin/stdout problems
 * (with all-or-nothing or per-test credit), in Python or, for stdin/stdout, Java.
 * {@link dev.r1j.rewards.code.HumanEval} loads the HumanEval data set (164 problems ship with the
 * library). {@link dev.r1j.rewards.code.Sandbox} is the execution boundary.
 *
 * <p>What the sandbox guarantees (bubblewrap, checked by a self-test before first use): no network;
 * no view of the host's files except a read-only {@code /usr}; a private, size-limited
 * {@code /tmp}; an unprivileged user holding no capabilities; its own PID namespace, so it cannot
 * signal host processes and none of its processes outlive the run; per-run kernel limits on CPU time,
 * address space, processes, file size and open files; a wall-clock limit and capped output enforced
 * by the caller. What it does not do: filter system calls (no seccomp), so a kernel vulnerability
 * reachable from an unprivileged process is out of its scope; and it cannot stop a program that
 * deliberately reads the harness's marker from its own source and prints it.
 *
 * <p>Without bubblewrap nothing runs unless the caller opts out with
 * {@link dev.r1j.rewards.code.CodeReward.Builder#allowUnsandboxed(boolean)}.
 */
package dev.r1j.rewards.code;
