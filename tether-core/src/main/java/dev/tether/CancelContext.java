package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;

/**
 * A context that can be cancelled: what Go's {@code WithCancel}, {@code WithTimeout} and {@code WithDeadline} return
 * together with their {@code cancel} function. Obtain one from {@link Context#withCancel()},
 * {@link Context#withTimeout} or {@link Context#withDeadline}.
 *
 * <p>Use it with try-with-resources: {@link #close()} cancels, which releases the deadline timer and the
 * registration with the parent, so a finished piece of work leaves nothing behind. Cancelling is idempotent and
 * never blocks; the first cancellation's reason wins.
 *
 * <h2>Implementation notes</h2>
 * Each cancellable context keeps its cancellable children in an intrusive doubly-linked list (their
 * {@code prevSibling}/{@code nextSibling} fields, guarded by the parent's monitor) and its waiting operations in a
 * queue of {@link WaitNode}s. Cancellation sets {@code err} by CAS, detaches both lists under the monitor (skipped
 * for a context that never linked anything, as most tasks' own contexts: see {@code cancelOne}), then — outside any
 * lock — claims and wakes the waiters and cancels the children. It walks the subtree with an explicit
 * work list, so a deep chain of contexts cannot overflow the stack. A child that closes itself later finds its
 * parent already done and leaves the detached list alone; a child created under a done parent is born done.
 *
 * <p>A task's own context, ended by {@link #finish} when the task ends, stays linked in its parent's list: unlinking
 * it would make every finishing task take its parent's monitor and write into its siblings, which the spawning
 * thread uses too. Instead {@link #adopt} sweeps the done children out whenever the list has doubled since the last
 * sweep, so it never holds more than about twice the live children (plus a few), at an amortised O(1) per adopted
 * child, paid by the spawner.
 */
public sealed class CancelContext extends Context implements AutoCloseable permits TaskContext, HookContext {

    private static final VarHandle ERR;

    static {
        try {
            ERR = MethodHandles.lookup().findVarHandle(CancelContext.class, "err", CancelledException.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Context parent;
    /** The nearest cancellable ancestor, whose children list holds this context; null if none. */
    private final CancelContext source;
    private final long deadlineNanos;
    private final Instant deadline;

    /**
     * Set once, by CAS; read without the monitor. Its own cause is the cause given to cancel (null to mean "err
     * itself"), so that one write publishes both.
     */
    private volatile CancelledException err;
    /**
     * Set, under the monitor, before anything is first linked here (a child, a listener, a timer); see
     * {@link #cancelOne}.
     */
    private volatile boolean shared;

    /** Fewest linked children at which {@link #adopt} sweeps out the done ones. */
    private static final int SWEEP_MIN = 16;

    // Guarded by this context's monitor.
    private CancelContext firstChild;
    /** How many children are linked, and the count above which {@link #adopt} next sweeps. */
    private int linkedChildren, sweepAt = SWEEP_MIN;
    /** Head of the wait queue of operations woken when this context is done (see {@link WaitNode#append}). */
    private WaitNode listeners;
    private ScheduledFuture<?> timer;
    // Guarded by source's monitor.
    private CancelContext prevSibling, nextSibling;
    private boolean linked;

    CancelContext(Context parent, long deadlineNanos, Instant deadline) {
        this.parent = parent;
        this.source = parent.cancelSource();
        this.deadlineNanos = deadlineNanos;
        this.deadline = deadline;
        CancelContext s = source;
        if (s != null && !s.adopt(this)) {
            cancelTree(s.errOrNull());
            return;
        }
        if (deadlineNanos != 0 && deadlineNanos != parent.deadlineNanos()) {
            long delay = deadlineNanos - System.nanoTime();
            if (delay <= 0) {
                // Born expired. Unlink from the parent, which adopted us above, as Go's WithDeadline does
                // (cancel(true, ...)): close() on a done context is a no-op, so without this the parent would keep
                // the child linked for the parent's whole lifetime, a leak per withTimeout(ZERO)/past deadline.
                if (cancelTree(expired())) detachFromParent();
            } else {
                ScheduledFuture<?> t = Timers.schedule(this::expire, delay);
                boolean done;
                synchronized (this) {
                    shared = true;
                    done = err != null;
                    if (!done) timer = t;
                }
                if (done) t.cancel(false);
            }
        }
    }

    /** Cancels this context and its descendants with {@link CancelledException}; no effect if already done. */
    public final void cancel() {
        cancel(null);
    }

    /**
     * Cancels this context and its descendants, recording {@code cause} (may be null) as Go's
     * {@code WithCancelCause} does: {@link #cause()} returns it and exceptions thrown by waiting operations carry it
     * as their cause. No effect if already done. Never blocks.
     */
    public final void cancel(Throwable cause) {
        if (err != null) return;
        CancelledException e = CancelledException.stackless("context canceled", cause);
        if (cancelTree(e)) detachFromParent();
    }

    /**
     * Cancels with a prepared {@code err} whose cause, if any, is the cancellation's cause: for hot paths that must
     * not build an exception.
     */
    final void cancelWith(CancelledException e) {
        if (err == null && cancelTree(e)) detachFromParent();
    }

    /**
     * Ends a task's own context as its task ends: cancels it with {@code e} but leaves it linked in its parent,
     * which sweeps it out later (see the class comment).
     */
    final void finish(CancelledException e) {
        if (err == null) cancelTree(e);
    }

    /** Same as {@link #cancel()}: closing ends the work this context governs. */
    @Override
    public final void close() {
        cancel();
    }

    @Override
    final Instant deadlineOrNull() {
        return deadline;
    }

    @Override
    Context parent() {
        return parent;
    }

    @Override
    final CancelContext cancelSource() {
        return this;
    }

    @Override
    final long deadlineNanos() {
        return deadlineNanos;
    }

    final CancelledException errOrNull() {
        return err;
    }

    final Throwable causeOrNull() {
        CancelledException e = err;
        if (e == null) return null;
        Throwable c = e.getCause();
        return c != null ? c : e;
    }

    /** A fresh exception to throw from a waiting operation that this context's end interrupted. */
    final CancelledException newException() {
        CancelledException e = err;
        return e.copy(e.getCause());
    }

    /** Hook run once when this context is cancelled, outside any lock. */
    void onCancel() {
    }

    /**
     * Adds {@code n} to the operations woken when this context is done. Returns false, without adding, if it is
     * already done: the caller then treats the done-event as having happened.
     */
    final boolean addListener(WaitNode n) {
        synchronized (this) {
            shared = true;
            if (err != null) return false;
            listeners = WaitNode.append(listeners, n);
            return true;
        }
    }

    final void removeListener(WaitNode n) {
        synchronized (this) {
            listeners = WaitNode.unlink(listeners, n);
        }
    }

    private void expire() {
        if (err == null && cancelTree(expired())) detachFromParent();
    }

    private static DeadlineExceededException expired() {
        return new DeadlineExceededException.Stackless("context deadline exceeded");
    }

    /** Links {@code child} under this context; false if this context is already done. */
    private boolean adopt(CancelContext child) {
        synchronized (this) {
            shared = true;
            if (err != null) return false;
            CancelContext h = firstChild;
            child.nextSibling = h;
            if (h != null) h.prevSibling = child;
            firstChild = child;
            child.linked = true;
            if (++linkedChildren > sweepAt) {
                for (CancelContext k = firstChild; k != null; ) {
                    CancelContext next = k.nextSibling;
                    if (k.err != null) unlinkChild(k);
                    k = next;
                }
                sweepAt = Math.max(SWEEP_MIN, 2 * linkedChildren);
            }
            return true;
        }
    }

    /** Unlinks {@code k}, a linked child of this context. Monitor held. */
    private void unlinkChild(CancelContext k) {
        CancelContext p = k.prevSibling, n = k.nextSibling;
        if (p == null) firstChild = n;
        else p.nextSibling = n;
        if (n != null) n.prevSibling = p;
        k.prevSibling = k.nextSibling = null;
        k.linked = false;
        linkedChildren--;
    }

    private void detachFromParent() {
        CancelContext s = source;
        if (s == null) return;
        synchronized (s) {
            // If s is done, it detached its whole list when it was cancelled; if this is not linked, a sweep took it.
            if (s.err == null && linked) s.unlinkChild(this);
        }
    }

    /** Cancels this context and its whole subtree; false if this context was already done. */
    private boolean cancelTree(CancelledException e) {
        CancelContext kids = cancelOne(e);
        if (kids == this) return false;
        ArrayDeque<CancelContext> work = null;
        for (;;) {
            for (CancelContext k = kids; k != null; k = k.nextSibling) { // stable: the list is detached
                if (k.err != null) continue; // done already, its subtree too: a finished task's, say
                if (work == null) work = new ArrayDeque<>();
                work.push(k);
            }
            if (work == null || work.isEmpty()) return true;
            CancelContext k = work.pop();
            kids = k.cancelOne(e);
            if (kids == k) kids = null;
        }
    }

    /**
     * Marks this context done, wakes its waiters and runs {@link #onCancel()}. Returns its detached children
     * (linked through nextSibling), or {@code this} if it was already done.
     *
     * <p>Most contexts never link anything (a task's own context, unless the task spawns or selects on it), and
     * for them this takes no monitor. Whatever links something sets {@link #shared} under the monitor and then
     * checks err; this sets err and then reads {@code shared} (both volatile). So either the linker sees err and
     * links nothing, or this sees {@code shared} and takes the monitor, after which nothing more is linked.
     */
    private CancelContext cancelOne(CancelledException e) {
        if (err != null || !ERR.compareAndSet(this, null, e)) return this; // e.g. a finished task's, still linked
        if (!shared) {
            onCancel();
            return null;
        }
        WaitNode waiting;
        CancelContext kids;
        ScheduledFuture<?> t;
        synchronized (this) {
            waiting = WaitNode.detachAll(listeners);
            listeners = null;
            kids = firstChild;
            firstChild = null;
            t = timer;
            timer = null;
        }
        if (t != null) t.cancel(false);
        WaitNode.wakeAll(waiting);
        onCancel();
        return kids;
    }

    @Override
    public String toString() {
        String kind = deadline != null && deadlineNanos != parent.deadlineNanos()
                ? ".WithDeadline(" + deadline + ")" : ".WithCancel";
        CancelledException e = err;
        return parent + kind + (e == null ? "" : "[" + e.getMessage() + "]");
    }
}
