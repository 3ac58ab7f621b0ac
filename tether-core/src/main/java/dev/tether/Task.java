package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A unit of concurrent work on its own virtual thread, with an owner and a context: Go's {@code go} statement,
 * made safe.
 *
 * <p>Every task is spawned by an owner — a {@link TaskScope} ({@link TaskScope#go}) or the running task
 * ({@link #go}) — and runs with its own {@linkplain #context() context}, a cancellable child of the spawner's
 * current context (when that lies within the owner's) or of the owner's context. The task is cancelled when that
 * context is: when the owner finishes, when an ancestor context is cancelled or expires, or by {@link #cancel()}.
 * Cancelling interrupts the task's thread, so JDK blocking calls ({@code BlockingQueue.take}, {@code Thread.sleep},
 * socket reads) stop as well as Tether's own.
 *
 * <p>Ownership rules, which make a task that outlives its owner impossible to write by accident:
 * <ul>
 *   <li>An owner finishes when a scope is {@linkplain TaskScope#close() closed} or a task's body returns or
 *       throws. It then cancels its tasks and waits for all of them to finish before it is finished itself.
 *   <li>No task starts after its owner has finished: spawning then throws {@link IllegalStateException}, and a task
 *       whose context is already done when its thread starts never runs its body.
 *   <li>A task is finished when its body has returned and every task it spawned has finished.
 * </ul>
 * Process-lifetime workers that no scope owns are spawned with {@link #detached}, and dumps mark them as such.
 *
 * <p>Every live task is listed by {@link TaskRegistry} with its state, wait reason, creation site and owner.
 *
 * <p>Memory consistency effects: actions of the spawning thread before spawning a task happen-before the task's
 * body; actions of the task, including those of every task it spawned, happen-before a successful return from
 * {@link #join()} or a {@link #isDone()} that returns true.
 *
 * @param <T> the type of the body's result
 */
public final class Task<T> {

    /** A task body with no result. */
    @FunctionalInterface
    public interface Body {
        /** Runs the task's work; what it throws is the task's failure (see {@link Task#join()}). */
        void run() throws Exception;
    }

    /*
     * Joining. A joiner pushes its waiter onto `joiners` with a CAS, unless it finds FINISHED_MARK there; finish()
     * swaps in FINISHED_MARK and wakes the waiters it took. So neither side takes a lock, and the swap is also what
     * publishes the task's outcome (isDone() reads it). A joiner whose wait is abandoned (timeout, interrupt,
     * cancellation) claimed its own waiter, which finish() then skips; it unlinks such dead waiters under the
     * monitor, so that repeated timed joins of a long task do not pile up. Only a dead waiter is unlinked, and
     * only one thread unlinks at a time; the stack's head moves by CAS only, so pushes need no monitor. finish()
     * waits for an unlinker that may still be walking the chain it took before waking that chain, because a woken
     * joiner may reuse its waiter at once: `unlinking` is written before the unlinker reads `joiners`, and read by
     * finish() after its swap (both volatile), so either the unlinker sees FINISHED_MARK or finish() sees it
     * unlinking.
     */
    private static final WaitNode FINISHED_MARK = new WaitNode(null, 0, null);
    private static final VarHandle JOINERS;

    static {
        try {
            JOINERS = MethodHandles.lookup().findVarHandle(Task.class, "joiners", WaitNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final ScopedValue<Task<?>> CURRENT = ScopedValue.newInstance();
    private static final AtomicLong IDS = new AtomicLong();

    /** The task-end cancellation of a task's own context: shared and stackless, since every task ends this way. */
    private static final CancelledException FINISHED = CancelledException.stackless("owner finished", null);

    final TaskRecord record;
    final TaskContext context;
    private final Children owner;
    private Callable<? extends T> body;
    /** The thread between construction and start (the record refers to it only weakly); then null. */
    private Thread unstarted;
    /** Tasks this task spawned; created on its first spawn, only by its own thread. */
    private Children children;

    /** True once the body has returned or thrown; cancellation no longer interrupts. */
    private volatile boolean bodyDone;
    private T value;
    private Throwable failure;
    /** True if the body never ran because the context was done before the thread started. */
    private boolean notStarted;
    /** True if the context was cancelled (other than by the task's own end) before the body ended. */
    private boolean cancelled;
    /**
     * Set by the body's own thread when its failure is what cancelled its context (a {@link Group}'s first
     * failure): the task then reports that failure, not a cancellation.
     */
    boolean failureCancelled;
    /**
     * The threads in join(), as a stack of their waiters linked through {@code next}; {@link #FINISHED_MARK} once the
     * task has finished. See "Joining" below.
     */
    private volatile WaitNode joiners;
    /** True while a joiner unlinks abandoned waiters from {@link #joiners}, under this task's monitor. */
    private volatile boolean unlinking;
    /** The parked rendezvous waiter this task last woke, until its next rendezvous wait: see {@link Waiter}. */
    Waiter.Parking wokeLast;
    /**
     * Waiters of this task's thread kept for its next channel receive or join, resp. its next channel send: see
     * {@link Waiter#obtain}.
     */
    Waiter spareWaiter, spareSendWaiter;
    /**
     * This task seen as the owner of the tasks it spawns; created on its first spawn. Here, not in the record, to
     * keep the registry's per-task cost within a 96-byte record.
     */
    private TaskInfo.Owner asOwner;

    /** Stands for "no task" in {@code CURRENT.orElse}, which rejects null; never leaves {@link #current0()}. */
    private static final Task<?> NONE = new Task<>();

    /** Only for {@link #NONE}. */
    private Task() {
        this.record = null;
        this.context = null;
        this.owner = null;
    }

    private Task(Context parent, Children owner, TaskInfo.Owner ownerInfo, String name, Callable<? extends T> body,
                 StackTraceElement site) {
        this.owner = owner;
        this.body = body;
        Thread thread = (name == null ? Thread.ofVirtual() : Thread.ofVirtual().name(name)).unstarted(this::run);
        this.unstarted = thread;
        this.record = new TaskRecord(thread, IDS.incrementAndGet(), name, site, ownerInfo, this);
        this.context = new TaskContext(parent, this);
    }

    // ---- spawning -------------------------------------------------------------------------------------------

    /**
     * Spawns a task owned by the calling task, running {@code body} on a new virtual thread.
     *
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if the caller is not a task: open a {@link TaskScope} or use {@link #detached}
     */
    public static <T> Task<T> go(Callable<? extends T> body) {
        return goOwned(null, body, body);
    }

    /** Same as {@link #go(Callable)} for a body with no result. */
    public static Task<Void> go(Body body) {
        return goOwned(null, asCallable(body), body);
    }

    /** Same as {@link #go(Callable)}, naming the task (and its thread) {@code name}. */
    public static <T> Task<T> go(String name, Callable<? extends T> body) {
        return goOwned(Objects.requireNonNull(name, "name"), body, body);
    }

    /** Same as {@link #go(Body)}, naming the task (and its thread) {@code name}. */
    public static Task<Void> go(String name, Body body) {
        return goOwned(Objects.requireNonNull(name, "name"), asCallable(body), body);
    }

    private static <T> Task<T> goOwned(String name, Callable<? extends T> body, Object userBody) {
        Objects.requireNonNull(body, "body");
        Task<?> me = current0();
        if (me == null) {
            throw new IllegalStateException("Task.go called outside a task: spawn from a TaskScope "
                    + "(try (var scope = TaskScope.open()) { scope.go(...); }) or use Task.detached(name, body)");
        }
        Children c = me.children;
        if (c == null) me.children = c = new Children(me);
        return spawn(parentFor(me.context, Context.currentFor(me)), c, me.asOwner(), name, body, userBody);
    }

    /**
     * Spawns a task with no owner, for a worker that lives as long as the process (or until it is
     * {@linkplain #cancel() cancelled}). Its context derives from {@link Context#background()}; dumps mark it
     * {@code detached}. Prefer an owned task wherever an owner exists.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Task<T> detached(String name, Callable<? extends T> body) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        return spawn(Context.background(), null, null, name, body, body);
    }

    /** Same as {@link #detached(String, Callable)} for a body with no result. */
    public static Task<Void> detached(String name, Body body) {
        Objects.requireNonNull(name, "name");
        return spawn(Context.background(), null, null, name, asCallable(body), body);
    }

    /**
     * Spawns a task whose context is a child of {@code parent}: for an owned task, what {@link #parentFor} chose;
     * for a detached one, the background.
     */
    static <T> Task<T> spawn(Context parent, Children owner, TaskInfo.Owner ownerInfo, String name,
                             Callable<? extends T> body, Object userBody) {
        Objects.requireNonNull(body, "body");
        StackTraceElement site = CreationSites.caller(userBody.getClass());
        if (owner != null) owner.enter();
        Task<T> t = null;
        try {
            t = new Task<>(parent, owner, ownerInfo, name, body, site);
            TaskRegistry.add(t.record);
            // The record holds the thread only weakly, so until it runs the unstarted thread must be held here:
            // a GC in between would otherwise clear it and lose the task.
            Thread thread = t.unstarted;
            t.unstarted = null;
            thread.start();
        } catch (Throwable e) {
            if (t != null) {
                TaskRegistry.remove(t.record);
                t.context.cancelWith(FINISHED);
            }
            if (owner != null) owner.exit(null);
            throw e;
        }
        return t;
    }

    static Callable<Void> asCallable(Body body) {
        Objects.requireNonNull(body, "body");
        return () -> {
            body.run();
            return null;
        };
    }

    /**
     * The parent of an owned task's context: the spawner's current context {@code cur} if it lies within the
     * owner's, else the owner's (see the class comment). A detached task does not use this: it derives from the
     * background, not from the spawner's current context, which would tie the worker to the spawner's lifetime.
     */
    static Context parentFor(Context ownerContext, Context cur) {
        for (Context c = cur; c != null; c = c.parent()) {
            if (c == ownerContext) return cur;
            // Another task's own context is cancelled when that task's body ends. A task spawned on a scope by one
            // of the scope's tasks must not die with that sibling (its owner is the scope), so below a foreign
            // task's context fall back to the owner's context.
            if (c instanceof TaskContext) return ownerContext;
        }
        return ownerContext;
    }

    // ---- running --------------------------------------------------------------------------------------------

    private void run() {
        Callable<? extends T> b = body;
        body = null; // the body's captures must not outlive the run
        try {
            if (context.isDone()) {
                notStarted = true;
            } else {
                value = ScopedValue.where(CURRENT, this).call(b::call); // Context.current() falls back to it
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            finish();
        }
    }

    private void finish() {
        try {
            bodyDone = true;
            // Our own end-of-task cancellation comes below, so a done context here always means the task was
            // cancelled. (Not "err != FINISHED": the owner task's end propagates that same shared FINISHED instance
            // to this context, and a task cancelled because its owner finished must join with CancelledException,
            // not report the InterruptedException its body got as a failure.)
            if (context.isDone() && !failureCancelled) cancelled = true;
            Children c = children;
            if (c != null) c.close();
            context.end(FINISHED);
            if (c != null) c.awaitNone(WaitReason.CHILDREN, 0, record); // dumps show [wait children]
            Throwable f = failure;
            if (owner == null && f != null && !cancelled && !notStarted) {
                Thread me = Thread.currentThread();
                me.getUncaughtExceptionHandler().uncaughtException(me, f); // nobody else would see it
            }
        } finally {
            // Whatever happened above (an uncaught-exception handler that throws, an Error), the task must leave
            // the registry and release its joiners and its owner, or they would wait forever.
            TaskRegistry.remove(record);
            spareWaiter = spareSendWaiter = null; // the handle may outlive the task; its spares need not
            WaitNode waiting = (WaitNode) JOINERS.getAndSet(this, FINISHED_MARK);
            if (waiting != null) {
                if (unlinking) {
                    synchronized (this) { // let the unlinker finish with the chain (see "Joining")
                        assert !unlinking;
                    }
                }
                WaitNode.wakeAll(waiting);
            }
            if (owner != null) owner.exit(this);
        }
    }

    /**
     * Called by the registry's reaper: the collector reclaimed this task's thread while its body was blocked. Finish
     * the task on a new thread as if the body had thrown {@link TaskLeakedException} (cancelling its own tasks and
     * waiting for them may block, and the reaper must not).
     */
    void reclaimed(TaskInfo info) {
        failure = new TaskLeakedException(info);
        Thread.ofVirtual().name("tether-reaper-" + record.id).start(this::finish); // start() publishes failure
    }

    /** True if the body ran and returned normally. For the owner's exit hook, on the thread finishing the task. */
    boolean bodyReturned() {
        return !notStarted && failure == null;
    }

    void interruptIfRunning() {
        if (bodyDone) return;
        Thread t = record.get();
        if (t != null) t.interrupt();
    }

    /** The running task, or null. One lookup of the scoped value, where {@code isBound} and {@code get} take two. */
    static Task<?> current0() {
        Task<?> t = CURRENT.orElse(NONE);
        return t == NONE ? null : t;
    }

    static long nextId() {
        return IDS.incrementAndGet();
    }

    /** This task as the owner of tasks and scopes it opens. */
    TaskInfo.Owner asOwner() {
        TaskInfo.Owner o = asOwner;
        if (o == null) {
            TaskRecord r = record;
            asOwner = o = new TaskInfo.Owner(TaskInfo.Owner.Kind.TASK, r.id, r.name, r.site, r.owner);
        }
        return o;
    }

    static TaskRecord currentRecord() {
        Task<?> t = current0();
        return t == null ? null : t.record;
    }

    // ---- the handle -----------------------------------------------------------------------------------------

    /** The task running on the calling thread, if any. */
    public static Optional<Task<?>> current() {
        return Optional.ofNullable(current0());
    }

    /** The task's id, unique in this process. */
    public long id() {
        return record.id;
    }

    /** The task's name, if it was given one. */
    public Optional<String> name() {
        return Optional.ofNullable(record.name);
    }

    /** The task's own context: done when the task is cancelled, when an ancestor is done, or when the task ends. */
    public Context context() {
        return context;
    }

    /** True once the task has finished: its body ended and every task it spawned has finished. Never blocks. */
    public boolean isDone() {
        return joiners == FINISHED_MARK;
    }

    /** Cancels the task's context (and so its tasks), interrupting its thread. No effect on a finished task. */
    public void cancel() {
        context.cancel();
    }

    /** Same as {@link #cancel()}, recording {@code cause} as the context's {@linkplain Context#cause() cause}. */
    public void cancel(Throwable cause) {
        context.cancel(cause);
    }

    /**
     * Waits for the task to finish and returns its body's result.
     *
     * @throws TaskFailedException   if the body threw (other than because the task was cancelled); the cause is what
     *                               it threw
     * @throws CancelledException    if the task was cancelled before its body completed normally, or the caller's
     *                               current context is done while waiting
     * @throws InterruptedException  if the calling thread is interrupted while waiting
     * @throws IllegalStateException if a task joins itself
     */
    public T join() throws InterruptedException {
        if (!isDone()) awaitFinished(0L);
        return outcome();
    }

    /**
     * Same as {@link #join()}, waiting at most {@code timeout}.
     *
     * @throws TimeoutException         if the task has not finished in time (it keeps running)
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        if (!isDone()) {
            long deadline = System.nanoTime() + Context.saturatedNanos(timeout);
            if (!awaitFinished(deadline == 0 ? 1 : deadline)) {
                throw new TimeoutException("task " + record.id + " did not finish within " + timeout);
            }
        }
        return outcome();
    }

    private boolean awaitFinished(long deadline) throws InterruptedException {
        Task<?> me = current0();
        if (me == this) throw new IllegalStateException("task " + record.id + " cannot join itself");
        // A task reuses its spare waiter. Another thread gets a new one: a raw thread that joins once would pay
        // more for a thread-local spare than for the waiter.
        Waiter node = me != null ? Waiter.obtain(me, Waiter.Kind.YIELD_THEN_PARK, null)
                : new Waiter(Thread.currentThread());
        for (WaitNode h = joiners; ; ) {
            if (h == FINISHED_MARK) {
                if (me != null) node.recycle(me);
                return true;
            }
            node.next = h;
            WaitNode witness = (WaitNode) JOINERS.compareAndExchange(this, h, node);
            if (witness == h) break;
            h = witness;
        }
        int s = Blocking.await(me, node, WaitReason.TASK_JOIN, record.id, this, deadline, null);
        if (s == 0) { // claimed by finish(), which touches the waiter only to wake it: reusable
            if (me != null) node.recycle(me);
            return true;
        }
        unlinkAbandoned();
        if (s == Waiter.TIMED_OUT) return false;
        throw Blocking.abandoned(s);
    }

    /** Unlinks from {@link #joiners} every waiter claimed by its own thread: see "Joining". */
    private void unlinkAbandoned() {
        synchronized (this) {
            unlinking = true;
            try {
                WaitNode p = null; // the last live waiter before q
                for (WaitNode q = joiners; q != null && q != FINISHED_MARK; ) {
                    WaitNode next = q.next;
                    if (q.isLive()) {
                        p = q;
                    } else if (p != null) {
                        p.next = next;
                    } else if (!JOINERS.compareAndSet(this, q, next)) { // a joiner pushed, or the task finished
                        next = joiners;
                    }
                    q = next;
                }
            } finally {
                unlinking = false;
            }
        }
    }

    private T outcome() {
        if (notStarted) throw context.newException();
        Throwable f = failure;
        if (f == null) return value;
        if (cancelled) {
            CancelledException e = context.newException();
            if (e != f && e.getCause() != f) e.addSuppressed(f);
            throw e;
        }
        throw new TaskFailedException("task " + record.id + " failed: " + f, f);
    }

    @Override
    public String toString() {
        return "task " + record.id + (record.name == null ? "" : " \"" + record.name + "\"")
                + (isDone() ? " [finished]" : "");
    }
}
