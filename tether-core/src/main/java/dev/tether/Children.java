package dev.tether;

import java.util.concurrent.locks.LockSupport;

/**
 * The live-task count of one owner (a scope, or a task that spawned tasks), and the owner's wait for it to reach
 * zero. Once closed, it admits no new task: no task starts after its owner has finished.
 */
final class Children {
    private final Object describedOwner;
    private int live;
    private boolean closed;
    private Thread awaiting;

    /** {@code owner}'s toString names the owner in error messages. */
    Children(Object owner) {
        this.describedOwner = owner;
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
        Thread w;
        synchronized (this) {
            if (--live > 0 || (w = awaiting) == null) return;
        }
        LockSupport.unpark(w);
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
     * status is restored on return. The wait shows in dumps with {@code reason}.
     */
    void awaitNone(WaitReason reason, long on) {
        synchronized (this) {
            if (live == 0) return;
            awaiting = Thread.currentThread();
        }
        TaskRecord me = Task.currentRecord();
        if (me != null) me.beginWait(reason, on);
        boolean interrupted = false;
        try {
            for (;;) {
                synchronized (this) {
                    if (live == 0) {
                        awaiting = null;
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
