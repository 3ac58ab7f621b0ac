package dev.tether;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * A counter of outstanding work that threads can wait on reaching zero: Go's {@code sync.WaitGroup}.
 *
 * <pre>{@code
 * WaitGroup pending = new WaitGroup();
 * for (Part p : parts) {
 *     pending.add(1);
 *     scope.go(() -> { try { upload(p); } finally { pending.done(); } });
 * }
 * pending.await();
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #add} changes the counter by a delta; {@link #done()} subtracts one. A change that would take the
 *       counter below zero throws {@link IllegalStateException} and leaves the counter as it was: Go panics here,
 *       and a silently negative counter is how a WaitGroup ends up waiting forever.
 *   <li>{@link #await()} returns once the counter is zero, at once if it is zero already. It is cancellable: an
 *       interrupt or the end of the caller's current context stops the wait.
 *   <li>Each time the counter reaches zero, every thread then waiting is released, so a WaitGroup can be reused
 *       for the next batch: Go's rule that a new {@code Add} must wait until every {@code Wait} of the previous
 *       batch has returned is not needed here, because waiters are released as a batch, not one by one.
 * </ul>
 * A WaitGroup does not own tasks; pair it with a {@link TaskScope}, or use a {@link Group}, which counts for you.
 *
 * <p>Memory consistency effects: actions before {@code done()} (or a negative {@code add}) happen-before actions
 * after an {@code await()} that returned because of it.
 */
public final class WaitGroup {
    // Guarded by this.
    private int count;
    private WaitNode waiters; // wait queue head, see WaitNode#append

    /** A WaitGroup with a counter of zero. */
    public WaitGroup() {
    }

    /**
     * Adds {@code delta}, which may be negative, to the counter; releases the waiters if it reaches zero.
     *
     * @throws IllegalStateException if the counter would become negative, or overflow; it is left unchanged
     */
    public void add(int delta) {
        WaitNode released;
        synchronized (this) {
            long next = (long) count + delta;
            if (next < 0) {
                throw new IllegalStateException("WaitGroup counter would become negative (" + count + " + " + delta
                        + "): done() was called more times than add() counted");
            }
            if (next > Integer.MAX_VALUE) {
                throw new IllegalStateException("WaitGroup counter would overflow (" + count + " + " + delta + ")");
            }
            count = (int) next;
            if (count != 0 || waiters == null) return;
            released = WaitNode.detachAll(waiters);
            waiters = null;
        }
        WaitNode.wakeAll(released);
    }

    /**
     * Subtracts one from the counter.
     *
     * @throws IllegalStateException if the counter is zero
     */
    public void done() {
        add(-1);
    }

    /** The counter's current value. */
    public synchronized int count() {
        return count;
    }

    /**
     * Waits until the counter is zero. Dumps show a waiting task as {@code [sync.WaitGroup.Wait]}.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws CancelledException   if the current context is done while waiting
     */
    public void await() throws InterruptedException {
        if (!await(0L)) throw new AssertionError("untimed wait timed out");
    }

    /**
     * Waits at most {@code timeout} until the counter is zero.
     *
     * @throws TimeoutException         if the counter is still not zero after {@code timeout}
     * @throws InterruptedException     if interrupted while waiting
     * @throws CancelledException       if the current context is done while waiting
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public void await(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        long deadline = System.nanoTime() + Context.saturatedNanos(timeout);
        if (!await(deadline == 0 ? 1 : deadline)) {
            throw new TimeoutException("WaitGroup counter still " + count() + " after " + timeout);
        }
    }

    /** Returns false if {@code deadline} (0: none) passed first. */
    private boolean await(long deadline) throws InterruptedException {
        Waiter node;
        synchronized (this) {
            if (count == 0) return true;
            node = new Waiter(Thread.currentThread());
            waiters = WaitNode.append(waiters, node);
        }
        int s = Blocking.await(node, WaitReason.WAIT_GROUP, 0, this, deadline, null);
        if (s == 0) return true;
        synchronized (this) {
            waiters = WaitNode.unlink(waiters, node);
        }
        if (s == Waiter.TIMED_OUT) return false;
        throw Blocking.abandoned(s);
    }

    @Override
    public synchronized String toString() {
        return "WaitGroup[count=" + count + ", waiting=" + (waiters == null ? "none" : "some") + "]";
    }
}
