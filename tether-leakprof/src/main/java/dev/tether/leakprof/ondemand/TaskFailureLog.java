package dev.tether.leakprof.ondemand;

import dev.tether.TaskInfo;
import dev.tether.TaskLeakedException;
import dev.tether.TaskRegistry;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Dump-on-panic for tasks: when a Tether task dies with an exception nobody will see, says which task it was, where
 * it was spawned and who owns it, then passes the exception on to the handler that was there before. Go prints the
 * goroutine and its {@code created by} line when one panics; this is the JVM counterpart.
 *
 * <pre>{@code
 * try (TaskFailureLog log = TaskFailureLog.install()) {   // logs at ERROR through System.Logger
 *     ...
 * }
 * }</pre>
 *
 * A message reads:
 * <pre>
 * task 42 "refresher" failed: java.lang.IllegalStateException: boom
 *   created at com.shop.Cache.start(Cache.java:31)
 *   owner: detached
 * </pre>
 * or, for a task with owners, {@code owner: pool 7 "workers" <- task 3} (nearest first, as in Tether's dumps).
 *
 * <h2>Which failures</h2>
 * It installs itself as the JVM's {@linkplain Thread#setDefaultUncaughtExceptionHandler default uncaught-exception
 * handler}. Tether calls the uncaught-exception handler for a <em>detached</em> task's failure (an owned task's
 * failure goes to whoever joins it or to its scope), for the failure of a job of a
 * {@link dev.tether.WorkerPool} opened without a failure handler, and for a task proven leaked
 * ({@link TaskLeakedException}, described from {@link TaskLeakedException#task()}). A thread that is not a task's
 * (found by scanning {@link TaskRegistry#snapshot()}, which costs only on failure) is not described: its exception
 * just goes on. A thread with a handler of its own never reaches the default one.
 *
 * <p>After the message, the exception goes to the previous default handler, or, if there was none, is printed as
 * the JVM would ({@code Exception in thread "..."} and the stack trace on {@code System.err}): this adds the task's
 * context to what was already reported, it does not replace it.
 */
public final class TaskFailureLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TaskFailureLog.class.getName());

    private final Consumer<? super String> sink;
    private final Thread.UncaughtExceptionHandler previous;
    private final Thread.UncaughtExceptionHandler handler = this::uncaught;
    private volatile boolean closed;

    private TaskFailureLog(Consumer<? super String> sink) {
        this.sink = sink;
        synchronized (TaskFailureLog.class) {
            this.previous = Thread.getDefaultUncaughtExceptionHandler();
            Thread.setDefaultUncaughtExceptionHandler(handler);
        }
    }

    /**
     * Logs task failures at {@link System.Logger.Level#ERROR} through the {@link System.Logger}
     * {@code dev.tether.leakprof.ondemand.TaskFailureLog}.
     */
    public static TaskFailureLog install() {
        return new TaskFailureLog(m -> LOG.log(System.Logger.Level.ERROR, m));
    }

    /**
     * Passes each task failure's description (see the class comment) to {@code sink}, on the failing thread. If
     * {@code sink} throws, that is ignored and the exception still goes on.
     *
     * @throws NullPointerException if {@code sink} is null
     */
    public static TaskFailureLog install(Consumer<? super String> sink) {
        return new TaskFailureLog(Objects.requireNonNull(sink, "sink"));
    }

    private void uncaught(Thread t, Throwable e) {
        if (!closed) {
            try {
                String message = describe(t, e);
                if (message != null) sink.accept(message);
            } catch (Throwable ignored) {
                // Describing is extra: whatever goes wrong, the exception must still reach the previous handler.
            }
        }
        if (previous != null) {
            previous.uncaughtException(t, e);
        } else {
            // What ThreadGroup.uncaughtException does when there is no default handler.
            System.err.print("Exception in thread \"" + t.getName() + "\" ");
            e.printStackTrace(System.err);
        }
    }

    /** The message for {@code e} on {@code t}, or null if {@code t} is not a task's thread. */
    static String describe(Thread t, Throwable e) {
        TaskInfo task = null;
        if (e instanceof TaskLeakedException leaked) {
            task = leaked.task(); // finished on a reaper thread: the task's own thread is gone
        } else {
            for (TaskInfo i : TaskRegistry.snapshot()) {
                if (i.thread().orElse(null) == t) {
                    task = i;
                    break;
                }
            }
        }
        if (task == null) return null;
        StringBuilder b = new StringBuilder("task ").append(task.id());
        task.name().ifPresent(n -> b.append(" \"").append(n).append('"'));
        b.append(" failed: ").append(e);
        b.append("\n  created at ").append(task.creationSite().map(String::valueOf).orElse("(unknown)"));
        b.append("\n  owner: ").append(task.owner().map(TaskFailureLog::ownerChain).orElse("detached"));
        return b.toString();
    }

    /** {@code task 9 "worker" <- scope 4 <- task 2}: nearest owner first, as Tether's dumps write it. */
    private static String ownerChain(TaskInfo.Owner owner) {
        StringBuilder b = new StringBuilder();
        for (TaskInfo.Owner o = owner; o != null; o = o.parent()) {
            if (!b.isEmpty()) b.append(" <- ");
            b.append(o);
            if (o.name() != null) b.append(" \"").append(o.name()).append('"');
        }
        return b.toString();
    }

    /**
     * Stops describing failures and restores the previous default handler, if this one is still the default; if
     * something has replaced it since (and may be delegating to it), it stays there and only passes exceptions on.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (TaskFailureLog.class) {
            if (closed) return;
            closed = true;
            if (Thread.getDefaultUncaughtExceptionHandler() == handler) {
                Thread.setDefaultUncaughtExceptionHandler(previous);
            }
        }
    }
}
