package dev.tether;

/**
 * The slow path shared by every blocking Tether operation: make the wait cancellable by the thread's current
 * context, yield or spin briefly, record the wait in the registry only if it must then park, park, and turn an
 * abandoned wait into the right exception.
 *
 * <p>Cancellation reaches a waiting thread in one of two ways. A task's own context interrupts the task's thread
 * when cancelled, so for a task whose current context is its own nothing needs registering. Any other cancellable
 * current context (one bound with {@link Context#run} or {@link Context#call}) gets a listener node for the wait's
 * duration, which claims the waiter with {@link Waiter#CONTEXT_DONE}.
 */
final class Blocking {
    private Blocking() {
    }

    /**
     * Waits until {@code w} is claimed.
     *
     * @param covered  a context whose cancellation a done-clause of the caller already handles, or null
     * @param deadline a {@link System#nanoTime()} deadline, or 0 for none
     * @return the final state of {@code w}
     */
    static int await(Waiter w, WaitReason reason, long on, Object blocker, long deadline, CancelContext covered) {
        return await(Task.current0(), w, reason, on, blocker, deadline, covered);
    }

    /** Same as {@link #await(Waiter, WaitReason, long, Object, long, CancelContext)}, for the running {@code task}. */
    static int await(Task<?> task, Waiter w, WaitReason reason, long on, Object blocker, long deadline,
                     CancelContext covered) {
        CancelContext ambient = Context.currentFor(task).cancelSource();
        if (ambient == covered) ambient = null;
        int spun;
        if (ambient != null && ambient.errOrNull() != null) {
            w.tryClaim(Waiter.CONTEXT_DONE);
            ambient = null; // nothing left to listen for
        } else if (w.kind == Waiter.Kind.RENDEZVOUS && (spun = w.spinForRendezvous(task)) != Waiter.WAITING) {
            return spun;
        }
        WaitNode listener = null;
        if (ambient != null && (task == null || ambient != task.context)) {
            listener = new WaitNode(w, Waiter.CONTEXT_DONE, null);
            w.listened = true;
            if (!ambient.addListener(listener)) {
                listener = null;
                w.tryClaim(Waiter.CONTEXT_DONE);
            }
        }
        try {
            int s = w.beforePark();
            if (s != Waiter.WAITING) return s;
            // Only a wait that parks is recorded: most joins and many channel waits end in the yield, and a
            // dump need not show a wait of a few hundred nanoseconds.
            TaskRecord rec = task == null ? null : task.record;
            if (rec == null) return w.park(blocker, deadline);
            rec.beginWait(reason, on);
            try {
                return w.park(blocker, deadline);
            } finally {
                rec.endWait();
            }
        } finally {
            w.afterWait();
            if (listener != null) ambient.removeListener(listener);
        }
    }

    /**
     * True for what a body throws merely to report that its context was cancelled, once it is: not a failure of its
     * own. Shared by {@link Group} and {@link WorkerPool}.
     */
    static boolean reportsCancellation(Throwable e) {
        return e instanceof InterruptedException || e instanceof CancelledException
                || e instanceof java.nio.channels.ClosedByInterruptException
                || e instanceof java.io.InterruptedIOException;
    }

    /**
     * Throws for a wait abandoned with {@code state} ({@link Waiter#INTERRUPTED} or {@link Waiter#CONTEXT_DONE}):
     * {@link CancelledException} if the current context is done (the interrupt status, if set, stays set: the
     * thread is being cancelled), otherwise {@link InterruptedException} with the interrupt status cleared.
     */
    static RuntimeException abandoned(int state) throws InterruptedException {
        CancelContext ambient = Context.current().cancelSource();
        if (ambient != null && ambient.errOrNull() != null) throw ambient.newException();
        if (state == Waiter.INTERRUPTED) {
            Thread.interrupted();
            throw new InterruptedException();
        }
        throw new IllegalStateException("wait abandoned in state " + state);
    }
}
