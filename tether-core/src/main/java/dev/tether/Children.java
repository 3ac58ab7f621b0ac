package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The live-task count of one owner (a scope, or a task that spawned tasks), and the owner's wait for it to reach
 * zero. Once closed, it admits no new task: no task starts after its owner has finished.
 */
final class Children {
    /*
     * One int holds the live count (shifted left by one) and the closed bit, so that admitting a task (check
     * "not closed", count it) is one CAS and a task's exit one atomic add: spawning and finishing tasks of one
     * owner from several carriers contend on no monitor. The monitor guards only the list of waiting threads.
     * An exit that brings the count to zero reads `waiters` after its decrement, and a waiter bumps `waiters`
     * before it reads the count, so (both volatile) at least one of them sees the other: no lost wake-up.
     */
    private static final int CLOSED = 1, ONE = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Children.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object describedOwner;
    /** live << 1 | CLOSED. */
    private volatile int state;
    /** How many threads are in {@link #awaitNone}. */
    private volatile int waiters;
    /**
     * Threads in {@link #awaitNone}, guarded by this. More than one when several threads close a scope at once:
     * each must be woken (a single field, overwritten by the second closer, left the first parked forever).
     */
    private ArrayList<Thread> awaiting; // created by the first wait: most owners never wait
    /** Run after each task's exit, with the task (null for one that never started); null for none. */
    private final Consumer<Task<?>> onExit;

    /** {@code owner}'s toString names the owner in error messages. */
    Children(Object owner) {
        this(owner, null);
    }

    /**
     * Same, running {@code onExit} (if not null) each time a task exits, after it stopped counting as live, with the
     * task (null for one whose thread never started).
     */
    Children(Object owner, Consumer<Task<?>> onExit) {
        this.describedOwner = owner;
        this.onExit = onExit;
    }

    /** Admits one more task. @throws IllegalStateException if the owner has finished */
    void enter() {
        for (int s = state; ; ) {
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException("cannot spawn a task: its owner (" + describedOwner
                        + ") has already finished");
            }
            int witness = (int) STATE.compareAndExchange(this, s, s + ONE);
            if (witness == s) return;
            s = witness;
        }
    }

    /** One admitted task has finished: {@code task}, or null if its thread never started. */
    void exit(Task<?> task) {
        int s = (int) STATE.getAndAdd(this, -ONE) - ONE;
        if (s >>> 1 == 0 && waiters != 0) {
            Thread[] ws;
            synchronized (this) {
                ws = awaiting.toArray(new Thread[0]);
            }
            for (Thread w : ws) LockSupport.unpark(w);
        }
        if (onExit != null) onExit.accept(task);
    }

    int live() {
        return state >>> 1;
    }

    /** Admits no more tasks. */
    void close() {
        STATE.getAndBitwiseOr(this, CLOSED);
    }

    /**
     * Waits until no admitted task is live. Uninterruptible (an owner must not abandon its tasks); the interrupt
     * status is restored on return. The wait shows in dumps with {@code reason} as a wait of task {@code me}.
     *
     * @param me the waiting task's record, or null if the caller is not a task. Passed in rather than looked up:
     *           a task awaits its children in {@code finish()}, after its body's binding of the current task ended.
     */
    void awaitNone(WaitReason reason, long on, TaskRecord me) {
        if (live() == 0) return;
        Thread self = Thread.currentThread();
        synchronized (this) {
            if (awaiting == null) awaiting = new ArrayList<>(1);
            awaiting.add(self);
            waiters++;
        }
        if (me != null) me.beginWait(reason, on);
        boolean interrupted = false;
        try {
            while (live() != 0) {
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true;
            }
        } finally {
            synchronized (this) {
                awaiting.remove(self);
                waiters--;
            }
            if (me != null) me.endWait();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
