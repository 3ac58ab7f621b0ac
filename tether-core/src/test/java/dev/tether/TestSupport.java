package dev.tether;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Shared helpers for the core tests: bounded waits (never an unbounded one, never a sleep), threads whose outcome
 * can be asserted, and white-box probes of internal queues for "nothing left behind" checks.
 */
public final class TestSupport {
    private TestSupport() {
    }

    /** The bound on every wait for something that should happen promptly. */
    public static final long WAIT_SECONDS = 10;

    public static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS), "timed out waiting for a latch");
    }

    public static void await(CyclicBarrier barrier) throws Exception {
        barrier.await(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} until it holds, failing after {@link #WAIT_SECONDS}. */
    public static void eventually(BooleanSupplier condition, String what) {
        eventually(condition, () -> what);
    }

    /** Same as {@link #eventually(BooleanSupplier, String)}, describing the condition only if it times out. */
    public static void eventually(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what.get());
            LockSupport.parkNanos(200_000);
        }
    }

    /** Waits until {@code t} is parked (WAITING or TIMED_WAITING). */
    public static void awaitParked(Thread t) {
        eventually(() -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        }, t + " is parked");
    }

    /** Waits until the live task {@code task} shows {@code reason} in a registry snapshot, and returns that view. */
    public static TaskInfo awaitWaitReason(Task<?> task, String reason) {
        TaskInfo[] seen = new TaskInfo[1];
        eventually(() -> {
            seen[0] = info(task);
            return seen[0] != null && reason.equals(seen[0].waitReason());
        }, () -> "task " + task.id() + " waits in [" + reason + "] (last seen: " + seen[0] + ")");
        return seen[0];
    }

    /** The registry's view of {@code task}, or null if it is not listed. */
    public static TaskInfo info(Task<?> task) {
        for (TaskInfo i : TaskRegistry.snapshot()) {
            if (i.id() == task.id()) return i;
        }
        return null;
    }

    /** A body run on a new virtual thread (not a task), with its outcome kept for assertions. */
    public static <T> Forked<T> fork(Callable<T> body) {
        return fork(Thread.ofVirtual(), body);
    }

    /**
     * Same as {@link #fork(Callable)} on a platform thread, for a body that must run while virtual threads keep
     * every carrier busy (the OS preempts platform threads; the virtual-thread scheduler does not).
     */
    public static <T> Forked<T> forkPlatform(Callable<T> body) {
        return fork(Thread.ofPlatform().daemon(), body);
    }

    private static <T> Forked<T> fork(Thread.Builder builder, Callable<T> body) {
        // The outcome is stored as a value, not as an exceptional completion: CompletableFuture would take a
        // CancelledException (a CancellationException) for its own cancellation and lose it.
        CompletableFuture<Outcome<T>> f = new CompletableFuture<>();
        Thread t = builder.start(() -> {
            try {
                f.complete(new Outcome<>(body.call(), null));
            } catch (Throwable e) {
                f.complete(new Outcome<>(null, e));
            }
        });
        return new Forked<>(t, f);
    }

    private record Outcome<T>(T value, Throwable failure) {
    }

    /** A forked body: its thread and its eventual outcome. */
    public static final class Forked<T> {
        private final Thread thread;
        private final CompletableFuture<Outcome<T>> result;

        private Forked(Thread thread, CompletableFuture<Outcome<T>> result) {
            this.thread = thread;
            this.result = result;
        }

        public Thread thread() {
            return thread;
        }

        /** True once the body has returned or thrown. */
        public boolean isDone() {
            return result.isDone();
        }

        /** The body's result; rethrows what it threw; fails if it has not ended within the bound. */
        public T get() throws Throwable {
            Outcome<T> o;
            try {
                o = result.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("forked body did not finish in " + WAIT_SECONDS + "s", e);
            }
            if (o.failure() != null) throw o.failure();
            return o.value();
        }
    }

    // ---- white-box probes (this package only) ------------------------------------------------------------------

    /** True if neither wait queue of {@code ch} holds a node, live or dead. */
    static boolean queuesEmpty(Channel<?> ch) {
        ch.lock();
        try {
            Object core = read(Channel.class, ch, "core");
            return read(core.getClass(), core, "senders") == null && read(core.getClass(), core, "receivers") == null;
        } finally {
            ch.unlock();
        }
    }

    /** True if {@code ctx} holds a done-listener node. */
    static boolean hasListeners(CancelContext ctx) {
        synchronized (ctx) {
            return read(CancelContext.class, ctx, "listeners") != null;
        }
    }

    /** True if {@code ctx} still links a cancellable child. */
    static boolean hasChildren(CancelContext ctx) {
        synchronized (ctx) {
            return read(CancelContext.class, ctx, "firstChild") != null;
        }
    }

    /** How many children {@code ctx} links now, done ones not yet swept out included. */
    static int linkedChildren(CancelContext ctx) {
        synchronized (ctx) {
            int n = 0;
            for (Object k = read(CancelContext.class, ctx, "firstChild"); k != null;
                 k = read(CancelContext.class, k, "nextSibling")) {
                n++;
            }
            return n;
        }
    }

    /** How many waiters, live or abandoned, are linked in {@code task}'s joiners; -1 once the task has finished. */
    static int linkedJoiners(Task<?> task) {
        Object mark = read(Task.class, null, "FINISHED_MARK");
        Object n = read(Task.class, task, "joiners");
        if (n == mark) return -1;
        int count = 0;
        for (; n != null; n = read(WaitNode.class, n, "next")) count++;
        return count;
    }

    /** The task a task's own context still refers to: null once the task has ended. */
    static Object taskOf(Context taskContext) {
        return read(taskContext.getClass(), taskContext, "task");
    }

    /** The value of {@code field}, declared by {@code type} or one of its superclasses, in {@code target}. */
    private static Object read(Class<?> type, Object target, String field) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(field);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // declared further up, if at all
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("white-box probe broken: " + type.getSimpleName() + "." + field, e);
            }
        }
        throw new AssertionError("white-box probe broken: no field " + field + " in " + type.getSimpleName());
    }
}
