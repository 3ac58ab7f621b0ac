package dev.tether;

import java.util.ArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The live-task count of one owner (a scope, or a task that spawned tasks), and the owner's wait for it to reach
 * zero. Once closed, it admits no new task: no task starts after its owner has finished.
 */
final class Children {
    private final Object describedOwner;
    private int live;
    private boolean closed;
    /**
     * Threads in {@link #awaitNone}. More than one when several threads close a scope at once: each must be woken
     * (a single field, overwritten by the second closer, left the first parked forever).
     */
    private final ArrayList<Thread> awaiting = new ArrayList<>(1);
    /** Run after each task's exit, outside the lock; null for none. */
    private final Runnable onExit;

    /** {@code owner}'s toString names the owner in error messages. */
    Children(Object owner) {
        this(owner, null);
    }

    /** Same, running {@code onExit} (if not null) each time a task exits, after it stopped counting as live. */
    Children(Object owner, Runnable onExit) {
        this.describedOwner = owner;
        this.onExit = onExit;
    }

    /** Admits one more task. @throws IllegalStateException if the owner has finished */
    synchronized void enter() {
        if (closed) {
            throw new IllegalStateException("cannot spawn a task: its owner (" + describedOwner
                    + ") has already finished");
        }
        live++;
    }

    void exit() {
        Thread[] ws = null;
        synchronized (this) {
            if (--live == 0 && !awaiting.isEmpty()) ws = awaiting.toArray(new Thread[0]);
        }
        if (ws != null) for (Thread w : ws) LockSupport.unpark(w);
        if (onExit != null) onExit.run();
    }

    synchronized int live() {
        return live;
    }

    /** Admits no more tasks. */
    synchronized void close() {
        closed = true;
    }

    /**
     * Waits until no admitted task is live. Uninterruptible (an owner must not abandon its tasks); the interrupt
     * status is restored on return. The wait shows in dumps with {@code reason} as a wait of task {@code me}.
     *
     * @param me the waiting task's record, or null if the caller is not a task. Passed in rather than looked up:
     *           a task awaits its children in {@code finish()}, after its body's binding of the current task ended.
     */
    void awaitNone(WaitReason reason, long on, TaskRecord me) {
        Thread self = Thread.currentThread();
        synchronized (this) {
            if (live == 0) return;
            awaiting.add(self);
        }
        if (me != null) me.beginWait(reason, on);
        boolean interrupted = false;
        try {
            for (;;) {
                synchronized (this) {
                    if (live == 0) {
                        awaiting.remove(self);
                        return;
                    }
                }
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true;
            }
        } finally {
            if (me != null) me.endWait();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
