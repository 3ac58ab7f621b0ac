package dev.tether;

import java.util.ArrayList;
import java.util.List;

/**
 * The job queue of a {@link WorkerPool}: a bounded FIFO that submitters wait on while it is full and workers while
 * it is empty, with the delivery contract of a {@link Channel} (a job is taken exactly once, or its submitter learns
 * it was not accepted) but not its wake-up policy.
 *
 * <h2>Implementation notes</h2>
 * The queue's lock (it is a {@link LockedRing}) guards the ring buffer, the closed flag and two FIFO wait queues of {@link WaitNode}s: blocked
 * submitters with their jobs, and idle workers. A channel hands each value to a waiting receiver and wakes it, so a
 * fast submitter facing idle workers pays one wake-up per job — from a platform thread, an external submission to
 * the virtual-thread scheduler each time. A pool needs no hand-off: a job that fits goes into the buffer, and an
 * idle worker is woken only if no worker is already on its way ({@code looking == 0}). A worker woken that way
 * takes from the buffer like any other, and wakes the next idle worker if jobs remain, so wake-ups cascade through
 * the workers (as {@code LinkedBlockingQueue}'s signals do) instead of all falling on the submitter.
 *
 * <p>Invariants under the lock: if the buffer has room, no live submitter waits; if the buffer holds jobs and an
 * idle worker waits, a woken worker is on its way ({@code looking > 0}). With capacity 0 there is no buffer: a
 * submitter hands its job to an idle worker directly, or waits for one, as on an unbuffered channel.
 *
 * <p>Completing a waiter means claiming it (see {@link Waiter}): a worker claimed with {@link #LOOK} in its node's
 * item comes back to the buffer, one claimed with a job runs that job, one claimed with {@link #CLOSED} sees the
 * closed queue. A blocked submitter whose job a worker moved into the buffer (or took) is claimed, so its submit
 * returns; one that gives up first unlinks its node, its job not accepted.
 */
final class JobQueue extends LockedRing {
    /** Worker node item: woken to look at the buffer. */
    private static final Object LOOK = new Object();
    /** Node item: woken because the queue closed. */
    private static final Object CLOSED = WaitNode.CLOSED;

    private volatile boolean closed;
    /** Workers claimed with LOOK that have not yet come back for the lock. */
    private int looking;
    private WaitNode submitters, idle; // wait queue heads, see WaitNode#append
    private final long poolId;

    /** A waiter with no thread: waking it does nothing ({@code LockSupport.unpark(null)}). */
    private static final Waiter NOBODY = new Waiter(null);

    JobQueue(int capacity, long poolId) {
        super(capacity);
        this.poolId = poolId;
    }

    /**
     * Queues {@code job}, waiting while the queue is full.
     *
     * @return false if the queue is closed (the job was not accepted)
     * @throws InterruptedException if interrupted while waiting; the job was not accepted
     * @throws CancelledException   if the current context is done while waiting; the job was not accepted
     */
    boolean put(Task.Body job) throws InterruptedException {
        Waiter node;
        Waiter woken;
        lock();
        try {
            if (closed) return false;
            woken = offerLocked(job);
            if (woken == null) {
                node = new Waiter(Thread.currentThread(), Waiter.Kind.YIELD_THEN_PARK, job);
                submitters = WaitNode.append(submitters, node);
            } else {
                node = null;
            }
        } finally {
            unlock();
        }
        if (node == null) {
            woken.wake();
            return true;
        }
        int s = Blocking.await(node, WaitReason.POOL_SUBMIT, poolId, this, 0L, null);
        if (s == 0) return node.item != CLOSED;
        unlink(node, true);
        throw Blocking.abandoned(s);
    }

    /**
     * Queues {@code job} only if that needs no waiting.
     *
     * @return true if accepted; false if the queue is full (or, capacity 0, no worker is idle) or closed
     */
    boolean offer(Task.Body job) {
        Waiter woken;
        lock();
        try {
            if (closed) return false;
            woken = offerLocked(job);
            if (woken == null) return false;
        } finally {
            unlock();
        }
        woken.wake();
        return true;
    }

    /**
     * Accepts {@code job} without waiting if possible. Lock held.
     *
     * @return null if it cannot be accepted now; else the waiter to wake once the lock is released ({@link #NOBODY}
     *         if none)
     */
    private Waiter offerLocked(Task.Body job) {
        if (buffer == null) { // hand-off: only to an idle worker
            for (WaitNode w; (w = idle) != null; ) {
                idle = WaitNode.unlink(w, w);
                w.item = job;
                if (w.waiter.tryClaim(w.index)) return w.waiter;
            }
            return null;
        }
        if (!hasRoom()) return null;
        push(job);
        Waiter w = passOnLocked();
        return w == null ? NOBODY : w;
    }

    /**
     * Takes the next job, waiting while the queue is empty and open.
     *
     * @return the job, or null once the queue is closed and empty
     * @throws InterruptedException if interrupted while waiting
     * @throws CancelledException   if the current context is done while waiting
     */
    Task.Body take() throws InterruptedException {
        boolean wasLooking = false;
        for (;;) {
            Waiter node;
            Waiter wakeSubmitter = null, wakeWorker = null;
            Object job;
            // A worker woken to look whose context ended meanwhile takes nothing more (a pool's rule), but passes
            // the wake-up on, so that the jobs it was woken for are not left behind idle workers.
            boolean done = wasLooking && Context.current().isDone();
            lock();
            try {
                if (wasLooking) looking--;
                job = done ? null : pollLocked();
                if (done) {
                    wakeWorker = passOnLocked();
                    node = null;
                } else if (job != null) {
                    wakeSubmitter = refillLocked();
                    wakeWorker = passOnLocked();
                    node = null;
                } else if (closed) {
                    return null;
                } else {
                    node = new Waiter(Thread.currentThread());
                    idle = WaitNode.append(idle, node);
                }
            } finally {
                unlock();
            }
            if (node == null) {
                if (wakeSubmitter != null) wakeSubmitter.wake();
                if (wakeWorker != null) wakeWorker.wake();
                if (done) throw Blocking.abandoned(Waiter.CONTEXT_DONE);
                return (Task.Body) job;
            }
            int s = Blocking.await(node, WaitReason.POOL_IDLE, poolId, this, 0L, null);
            if (s != 0) {
                unlink(node, false);
                throw Blocking.abandoned(s);
            }
            Object item = node.item;
            if (item != LOOK && item != CLOSED) return (Task.Body) item; // handed over directly (capacity 0)
            wasLooking = item == LOOK;
        }
    }

    /** Takes a buffered job, or (capacity 0) a waiting submitter's; null if none. Lock held. */
    private Object pollLocked() {
        Object v = pop();
        if (v != null) return v;
        if (buffer == null) {
            for (WaitNode s; (s = submitters) != null; ) {
                submitters = WaitNode.unlink(s, s);
                Object job = s.item;
                if (s.waiter.tryClaim(s.index)) {
                    s.waiter.wake(); // under the lock, but rare: only a hand-off pool's submitters wait this way
                    return job;
                }
            }
        }
        return null;
    }

    /** The buffer has room: moves the first live blocked submitter's job in. Returns its waiter to wake. */
    private Waiter refillLocked() {
        if (buffer == null) return null;
        for (WaitNode s; (s = submitters) != null; ) {
            submitters = WaitNode.unlink(s, s);
            Object job = s.item;
            if (s.waiter.tryClaim(s.index)) {
                push(job);
                return s.waiter;
            }
        }
        return null;
    }

    /** Wakes the next idle worker if jobs remain and no woken worker is on its way. Lock held. */
    private Waiter passOnLocked() {
        return count > 0 && looking == 0 ? claimIdleLocked(LOOK) : null;
    }

    /** Claims the first live idle worker with {@code item} and returns its waiter, or null if none. Lock held. */
    private Waiter claimIdleLocked(Object item) {
        for (WaitNode w; (w = idle) != null; ) {
            idle = WaitNode.unlink(w, w);
            w.item = item;
            if (w.waiter.tryClaim(w.index)) {
                if (item == LOOK) looking++;
                return w.waiter;
            }
        }
        return null;
    }

    /** Unlinks the node of a submitter or idle worker that gave up, if it is still queued. */
    private void unlink(WaitNode node, boolean submitter) {
        lock();
        try {
            if (submitter) submitters = WaitNode.unlink(submitters, node);
            else idle = WaitNode.unlink(idle, node);
        } finally {
            unlock();
        }
    }

    /** Closes the queue: blocked submitters fail, idle workers wake and find it closed. Idempotent. */
    void close() {
        close(false);
    }

    /** Closes the queue and takes out every queued job as one step: no worker takes one in between. */
    List<Task.Body> closeAndDrain() {
        return close(true);
    }

    private List<Task.Body> close(boolean drain) {
        List<Task.Body> out = drain ? new ArrayList<>() : null;
        WaitNode ws = null, ss = null;
        lock();
        try {
            if (!closed) {
                closed = true;
                ws = WaitNode.detachAll(idle);
                ss = WaitNode.detachAll(submitters);
                idle = submitters = null;
            }
            if (drain) {
                for (Object job; (job = pollLocked()) != null; ) out.add((Task.Body) job);
            }
        } finally {
            unlock();
        }
        // Blocked submitters fail with their jobs not accepted; idle workers find the queue closed.
        WaitNode.wakeClosed(ws);
        WaitNode.wakeClosed(ss);
        return out;
    }

    /** True once {@link #close()} has begun. */
    boolean isClosed() {
        return closed;
    }

    /** Jobs queued now. */
    int size() {
        lock();
        try {
            return count;
        } finally {
            unlock();
        }
    }
}
