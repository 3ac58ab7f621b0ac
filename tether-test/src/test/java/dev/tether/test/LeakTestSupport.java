package dev.tether.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Helpers shared by the leak verifier's tests: bounded waits (never a sleep), thread bodies that a cleanup can end
 * by interrupting them, and source lines found by marker comments, so that assertions on "the blocking line" and
 * "the creation line" follow edits of the tests.
 */
final class LeakTestSupport {
    private LeakTestSupport() {
    }

    /** The bound on every wait for something that should happen promptly. */
    static final long WAIT_SECONDS = 10;

    /** A body that may block interruptibly. */
    @FunctionalInterface
    interface Blocking {
        void run() throws Exception;
    }

    /**
     * A thread body running {@code body}; an interrupt (the cleanup's way to end a leaked thread) ends it quietly.
     * The frames of {@code body} stay on the stack, so its blocking line is the thread's first user frame.
     */
    static Runnable quietly(Blocking body) {
        return () -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                // ended by the test's cleanup
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Polls {@code condition} until it holds, failing after {@link #WAIT_SECONDS}. */
    static void eventually(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what.get());
            LockSupport.parkNanos(200_000);
        }
    }

    /** Waits until {@code t} is in {@code state}. */
    static void awaitState(Thread t, Thread.State state) {
        eventually(() -> t.getState() == state, () -> t + " is " + state + " (is " + t.getState() + ")");
    }

    /**
     * Polls {@code find} until it reports the raw thread {@code t} waiting in {@code reason}, and returns that
     * record. A thread is waited for by its wait, not its state: a thread about to block in {@code put} may still be
     * parked in the latch it waited on just before.
     */
    static LeakedThread awaitLeak(Supplier<LeakReport> find, Thread t, String reason) {
        return awaitLeak(find, t.threadId(), false, reason);
    }

    /** Same as {@link #awaitLeak(Supplier, Thread, String)} for the Tether task with id {@code taskId}. */
    static LeakedThread awaitTaskLeak(Supplier<LeakReport> find, long taskId, String reason) {
        return awaitLeak(find, taskId, true, reason);
    }

    private static LeakedThread awaitLeak(Supplier<LeakReport> find, long id, boolean task, String reason) {
        LeakedThread[] seen = new LeakedThread[2]; // the last two sightings
        LeakReport[] last = new LeakReport[1];
        eventually(() -> {
            last[0] = find.get();
            seen[0] = seen[1];
            seen[1] = leakWithId(last[0], id, task);
            return settled(seen[0], seen[1], reason);
        }, () -> (task ? "task " : "thread #") + id + " is reported waiting in [" + reason + "]; last report:\n"
                + last[0]);
        return seen[1];
    }

    /**
     * True if two consecutive sightings show the thread blocked in {@code reason} at the same place. A thread's
     * stack and state are sampled one after the other, so one sighting of a thread still on its way (a stack from
     * one call, the state of the next; an empty stack while it starts) can be inconsistent; a blocked thread's
     * sightings agree.
     */
    private static boolean settled(LeakedThread before, LeakedThread now, String reason) {
        return before != null && now != null && reason.equals(before.waitReason()) && reason.equals(now.waitReason())
                && !now.stack().isEmpty() && now.stack().equals(before.stack());
    }

    /** The leak in {@code r} for the raw thread {@code t}, or null. */
    static LeakedThread leakOf(LeakReport r, Thread t) {
        return leakWithId(r, t.threadId(), false);
    }

    private static LeakedThread leakWithId(LeakReport r, long id, boolean task) {
        for (LeakedThread l : r.leaks()) {
            if (l.id() == id && (l.kind() == LeakedThread.Kind.TETHER_TASK) == task) return l;
        }
        return null;
    }

    /** True if {@code r} reports the raw thread {@code t}. */
    static boolean reports(LeakReport r, Thread t) {
        return leakOf(r, t) != null;
    }

    /** Interrupts each thread and waits for it to end: the cleanup of threads a test leaked on purpose. */
    static void end(List<Thread> threads) {
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) join(t);
    }

    /** Waits for {@code t} to end, failing after {@link #WAIT_SECONDS}. */
    static void join(Thread t) {
        try {
            if (!t.join(Duration.ofSeconds(WAIT_SECONDS))) {
                fail(t + " did not end; its stack: " + List.of(t.getStackTrace()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + t, e);
        }
    }

    // ---- source lines ------------------------------------------------------------------------------------------

    private static final Map<Class<?>, List<String>> SOURCES = new ConcurrentHashMap<>();

    /**
     * The line number of the one line of {@code type}'s source file that ends with the comment {@code // marker}.
     * Tests run in the module's directory, where the sources are.
     */
    static int line(Class<?> type, String marker) {
        Class<?> top = type;
        while (top.getEnclosingClass() != null) top = top.getEnclosingClass();
        Class<?> file = top;
        List<String> lines = SOURCES.computeIfAbsent(file, c -> {
            try {
                return Files.readAllLines(Path.of("src/test/java", c.getName().replace('.', '/') + ".java"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        int found = -1, count = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).stripTrailing().endsWith("// " + marker)) {
                found = i + 1;
                count++;
            }
        }
        assertEquals(1, count, "lines of " + file.getSimpleName() + ".java ending with '// " + marker + "'");
        return found;
    }

    /** "File.java:NN" for the marker line in {@code type}'s source file, as reports print it. */
    static String fileLine(Class<?> type, String marker) {
        Class<?> top = type;
        while (top.getEnclosingClass() != null) top = top.getEnclosingClass();
        return top.getSimpleName() + ".java:" + line(type, marker);
    }
}
