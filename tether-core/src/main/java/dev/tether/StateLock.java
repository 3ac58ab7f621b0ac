package dev.tether;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * A non-reentrant lock that the state it guards extends, so that the lock word and that state share an object: a
 * thread taking the lock usually finds the state in the cache lines it has just pulled in. A
 * {@link java.util.concurrent.locks.ReentrantLock} sits two objects away from the state it guards and writes its
 * owner on every acquisition; when two carriers trade a channel back and forth, each of those is one more cache
 * line crossing between cores. Built on {@link AbstractQueuedSynchronizer}, as {@code ThreadPoolExecutor}'s workers
 * are: state 0 is unlocked, 1 locked; a thread that cannot take it queues and parks.
 */
abstract class StateLock extends AbstractQueuedSynchronizer {
    /** Takes the lock if it is free; never blocks. */
    final boolean tryLock() {
        return compareAndSetState(0, 1);
    }

    /** True if the lock is free now: a read only, for spinning without taking the cache line from the holder. */
    final boolean isFree() {
        return getState() == 0;
    }

    /** Takes the lock, parking while another thread holds it. Not interruptible, like a monitor. */
    final void lock() {
        if (!compareAndSetState(0, 1)) acquire(1);
    }

    /** Releases the lock, which the caller holds, and wakes the next queued thread, if any. */
    final void unlock() {
        release(1);
    }

    @Override
    protected final boolean tryAcquire(int ignored) {
        return compareAndSetState(0, 1);
    }

    @Override
    protected final boolean tryRelease(int ignored) {
        setState(0);
        return true;
    }
}
