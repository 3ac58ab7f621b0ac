package dev.tether;

import java.util.concurrent.locks.LockSupport;

/**
 * Names the JDK wait a thread is in, in the words Tether's dumps use ({@code "queue put"}, {@code "latch await"},
 * {@code "lock"}, {@code "sleep"}, {@code "IO wait"}, ...): cheaply from its park blocker and state, or exactly from
 * its stack. Public so that tools looking at raw threads (the test verifier, the production detector) describe
 * them as the registry describes tasks.
 */
public final class JdkWaits {
    private JdkWaits() {
    }

    /**
     * The wait of thread {@code t}, whose stack (taken just before or after) is {@code stack}: named from the stack
     * if a known JDK wait is there, else from the park blocker and state. Null if {@code t} is not waiting.
     */
    public static String describe(Thread t, StackTraceElement[] stack) {
        String s = t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING
                ? fromStack(stack) : null;
        return s != null ? s : fromBlocker(t);
    }

    /** A name for the wait of {@code t} from its state and park blocker; null if it is not waiting. */
    static String fromBlocker(Thread t) {
        Thread.State s = t.getState();
        switch (s) {
            case NEW, RUNNABLE, TERMINATED:
                return null;
            case BLOCKED:
                return "monitor enter";
            default:
                break;
        }
        Object blocker = LockSupport.getBlocker(t);
        if (blocker == null) return s == Thread.State.TIMED_WAITING ? "sleep" : "wait";
        String c = blocker.getClass().getName();
        if (c.contains("CountDownLatch")) return "latch await";
        if (c.contains("Semaphore")) return "semaphore acquire";
        if (c.contains("ReentrantLock") || c.contains("ReentrantReadWriteLock") || c.contains("StampedLock")) {
            return "lock";
        }
        if (c.contains("ConditionObject")) return "condition await";
        if (c.contains("SynchronousQueue") || c.contains("LinkedTransferQueue")) return "queue transfer";
        if (c.contains("Future") || c.contains("Signaller")) return "future get";
        if (blocker instanceof Thread) return "thread join";
        return "park";
    }

    /**
     * A name for the wait at the top of {@code stack}, or null if no known JDK wait is there. For stacks read from a
     * dump, where no {@link Thread} is at hand.
     */
    public static String fromStack(StackTraceElement[] stack) {
        String fallback = null;
        for (StackTraceElement f : stack) {
            String c = f.getClassName(), m = f.getMethodName();
            if (c.startsWith("java.util.concurrent.locks.")) {
                if (m.startsWith("lock") || m.startsWith("tryLock")) return "lock";
                if (m.startsWith("await")) fallback = "condition await";
                if (m.equals("park") || m.startsWith("parkNanos")) fallback = fallback == null ? "park" : fallback;
                continue;
            }
            if (c.startsWith("jdk.internal.") || c.startsWith("java.lang.System$")
                    || c.equals("java.lang.VirtualThread") || c.startsWith("java.lang.invoke.")) {
                continue;
            }
            switch (c) {
                case "java.lang.Thread":
                    if (m.startsWith("sleep")) return "sleep";
                    if (m.equals("join")) return "thread join";
                    continue;
                case "java.lang.Object":
                    if (m.startsWith("wait")) return "monitor wait";
                    continue;
                case "java.util.concurrent.CountDownLatch":
                    return "latch await";
                case "java.util.concurrent.CyclicBarrier", "java.util.concurrent.Phaser":
                    return "barrier await";
                case "java.util.concurrent.Semaphore":
                    return "semaphore acquire";
                case "dev.tether.StateLock": // a channel's or pool queue's own lock, held for a few instructions
                    if (m.equals("lock")) return "lock";
                    continue;
                case "java.util.concurrent.FutureTask", "java.util.concurrent.CompletableFuture",
                     "java.util.concurrent.ForkJoinTask":
                    return "future get";
                default:
                    break;
            }
            if (c.startsWith("java.util.concurrent.") && (c.endsWith("Queue") || c.endsWith("Deque"))) {
                if (m.startsWith("put") || m.startsWith("offer") || m.startsWith("transfer")) return "queue put";
                if (m.startsWith("take") || m.startsWith("poll")) return "queue take";
                continue;
            }
            if (c.startsWith("java.util.concurrent.")) continue; // helpers such as LinkedTransferQueue.awaitMatch
            if (c.startsWith("sun.nio.ch.") || c.startsWith("java.net.") || c.startsWith("java.nio.channels.")
                    || c.startsWith("sun.nio.fs.") || c.equals("java.io.FileInputStream")) {
                return "IO wait";
            }
            return fallback; // the first frame of other code: the wait is whatever was below it
        }
        return fallback;
    }
}
