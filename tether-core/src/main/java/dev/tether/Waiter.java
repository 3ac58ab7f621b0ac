package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocked operation of one thread: a send, a receive, a select, or a wait for tasks.
 *
 * <h2>Implementation notes</h2>
 *
 * A waiter is registered in one or more wait queues through {@link WaitNode}s: one node per channel clause of a
 * select, one per {@code ctx.done()} clause, one for the ambient context. Whoever completes the operation first
 * <em>claims</em> the waiter by CAS-ing {@link #state} from {@link #WAITING} to the index of the node's clause.
 * Exactly one claim can succeed, which is the whole of the "exactly one clause takes effect" guarantee: a
 * claimer whose CAS fails treats the node as dead and moves on, so a losing send never delivers and a losing
 * receive never consumes.
 *
 * <p>Data crosses through the node, not the waiter. A claimer writes {@link WaitNode#item} (the value handed to a
 * receiver, or {@link WaitNode#CLOSED}) <em>before</em> its CAS, and the woken thread reads it <em>after</em> reading
 * {@link #state}: the volatile CAS orders the two. A claimer whose CAS fails leaves an item nobody reads. Writes to
 * a node's item race with nothing because every claim of a channel node happens under that channel's lock and a
 * node belongs to exactly one channel.
 *
 * <p>The waiting thread itself gives up by claiming its own waiter with a negative state ({@link #INTERRUPTED},
 * {@link #TIMED_OUT}); if that CAS fails, somebody else completed the operation first and the thread reports that
 * outcome instead, keeping its interrupt status. This is how a send racing with an interrupt either delivered its
 * value (and returns normally) or did not (and throws) — never both, never neither.
 *
 * <p>A waiter is also a node: its own, clause 0, used by every wait that needs only one (a channel send or receive,
 * a join, a pool's queue), so that such a wait allocates one object. A select, whose nodes carry their own clause
 * indices, leaves the waiter's own node unused.
 *
 * <h2>Spare waiters</h2>
 * A channel send or receive that blocks, and a task's join, take their thread's spare waiter instead of allocating
 * one ({@link #obtain}), and give it back when a channel operation, resp. the joined task's end, completed it
 * ({@link #recycle}). Allocating a fresh waiter for every wait was most of what separated an unbuffered handoff from
 * {@code SynchronousQueue}'s: every new object lands on a cache line the core has not written yet, and the partner's
 * core then pulls that line across. Reused, the waiter stays on lines both cores already share (measured: a
 * ping-pong message in about 0.60× the time). Reuse is safe only when nothing can reach the waiter once its thread
 * has seen the claim, so a waiter is recycled only when:
 * <ul>
 *   <li>a channel operation or a task's end claimed it: the first unlinks the node under the channel's lock (or
 *       takes it out of an unbuffered channel's slot) before claiming it, the second took the whole stack of
 *       joiners, and both touch only {@link #wake()} after (a close, which completes a detached chain of nodes, is
 *       excluded: it reads each node's link after claiming it);
 *   <li>the wait registered no context listener ({@link #listened}), which a concurrent cancellation could still be
 *       claiming through.
 * </ul>
 * A thread keeps two spares, one for its sends and one for its other waits: a waiter {@link #sends} or does not
 * for its whole life, which an unbuffered channel's slot relies on.
 * A claimer's {@link #wake()} may run after the woken thread has recycled and reused the waiter. It then reads the
 * new wait's fields: it may unpark the thread spuriously (every park loop re-checks its state) or note the new wait
 * as the one it woke (a spin hint, no more). A spare holds no thread (the field is cleared while it is spare), so a
 * task's spare never keeps a leaked task's thread reachable.
 */
final class Waiter extends WaitNode {
    /** Not yet claimed. */
    static final int WAITING = -1;
    /** Claimed by the waiting thread because it was interrupted. */
    static final int INTERRUPTED = -2;
    /** Claimed by the waiting thread because its select timeout elapsed. */
    static final int TIMED_OUT = -3;
    /** Claimed by the ambient context (the thread's current context) being cancelled. */
    static final int CONTEXT_DONE = -4;

    /**
     * How a virtual thread waits before it parks. (A platform thread, whose park and unpark cost microseconds,
     * always spins briefly first: see {@link #PLATFORM_SPINS}.)
     */
    enum Kind {
        /**
         * Yields once, then parks: the default. What a waiter waits for is often queued on its own carrier (a task
         * it has just spawned, a worker it has just woken), and the yield lets that complete it without a park.
         */
        YIELD_THEN_PARK,
        /**
         * Parks at once: a buffered channel's wait, whose partner is usually running elsewhere, filling or
         * draining the buffer. Measured, not derived: with the yield, a producer and a consumer of a buffered
         * channel alternated between rounds of 60–100 and 150–200 ns per message; parking at once took 0.71–0.89×
         * the time of the yield in paired rounds (see docs/benchmarks.md).
         */
        PARK,
        /**
         * Spins, then yields, then parks: an unbuffered channel's wait, whose partner is expected within a few
         * hundred nanoseconds (see {@link #spinForRendezvous}). Its claimer skips the unpark while it spins.
         */
        RENDEZVOUS
    }

    /**
     * Brief spin before a <em>platform</em> thread parks, whose park and unpark cost microseconds. A virtual thread
     * does not spin this way: its partner is often queued on the same carrier, so spinning would only delay it;
     * parking is cheap for it. (The rendezvous spin is the exception: see {@link #spinForRendezvous}.)
     */
    private static final int PLATFORM_SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 32 : 0;

    /**
     * How long a virtual thread waiting for a rendezvous spins, in {@link Thread#onSpinWait()} calls (about 2 µs
     * here), when its partner is likely running on another carrier.
     */
    private static final int RENDEZVOUS_SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 64 : 0;

    /** How long {@link #watch} watches a woken partner, in {@code onSpinWait} calls (about 0.6 µs here). */
    private static final int WATCH_SPINS = 16;
    /** At most 2^this waits from one {@link #watch} that did not pay to the next. */
    private static final int WATCH_BACKOFF_MAX = 8;

    /** What a thread that is not a task keeps between its waits; a task keeps the same in its own fields. */
    private static final class PerThread {
        /** See {@link Task#wokeLast}. */
        Parking wokeLast;
        /** See {@link Task#spareWaiter} and {@link Task#spareSendWaiter}. */
        Waiter spare, spareSend;
    }

    private static final ThreadLocal<PerThread> PER_THREAD = ThreadLocal.withInitial(PerThread::new);

    private static final VarHandle STATE, PARKING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Waiter.class, "state", int.class);
            PARKING = l.findVarHandle(Waiter.class, "parking", Parking.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The waiting thread; null while the waiter is a spare. Like {@link #kind}, written only before the waiter is
     * published to claimers, through the lock of the queue it joins.
     */
    Thread thread;
    /**
     * For a rendezvous wait: set just before the waiting thread yields or parks, so that a claimer must unpark it.
     * Set before the thread's last check of {@link #state}, read by a claimer after its claim (both volatile):
     * either the thread sees the claim and does not park, or the claimer sees the parking and unparks, never
     * neither (Dekker). A claimer that finds none skips the unpark: the thread is still spinning.
     */
    private volatile Parking parking;
    /** How the thread waits; a claimer of any wait but a {@link Kind#RENDEZVOUS} always unparks its thread. */
    Kind kind;
    /**
     * True for a waiter whose own node carries a value: a channel send's (or a pool submission's). Fixed for the
     * waiter's life: a spare is reused only for waits of the same direction (see "Spare waiters"), which is what
     * lets an unbuffered channel tell a waiting sender from a waiting receiver by the object alone (see
     * {@link Channel}).
     */
    final boolean sends;
    /** Set when the wait registered a context listener, which may reach the waiter after the wait: no recycling. */
    boolean listened;
    /**
     * For {@link #watch}: how many waits to skip before the next watch, and the log2 of the skip after the next
     * one that does not pay. Kept across reuse: they belong to the thread for as long as it keeps this spare.
     */
    int watchSkips;
    byte watchBackoff;
    /** WAITING, a clause index (>= 0) or one of the negative outcomes; written once from WAITING. */
    volatile int state = WAITING;

    /** A waiter of the default kind whose own node (clause 0) carries nothing. */
    Waiter(Thread thread) {
        this(thread, Kind.YIELD_THEN_PARK, null);
    }

    /** A waiter whose own node, clause 0, carries {@code item}: see {@link WaitNode#WaitNode(Object)}. */
    Waiter(Thread thread, Kind kind, Object item) {
        super(item);
        this.thread = thread;
        this.kind = kind;
        this.sends = item != null;
    }

    /**
     * A waiter of {@code kind} for a channel operation of the calling thread, which runs {@code task} (or none),
     * whose own node carries {@code item}: the thread's spare for sends (item not null) or for other waits, if it
     * has one, else a new waiter.
     */
    static Waiter obtain(Task<?> task, Kind kind, Object item) {
        Waiter w;
        if (task != null) {
            if (item != null) {
                w = task.spareSendWaiter;
                task.spareSendWaiter = null;
            } else {
                w = task.spareWaiter;
                task.spareWaiter = null;
            }
        } else {
            PerThread pt = PER_THREAD.get();
            if (item != null) {
                w = pt.spareSend;
                pt.spareSend = null;
            } else {
                w = pt.spare;
                pt.spare = null;
            }
        }
        Thread me = Thread.currentThread();
        if (w == null) return new Waiter(me, kind, item);
        // A spare is unreachable from any queue, so these plain writes race only with a stale wake() (see the class
        // comment); the lock of the queue the waiter joins next, or the CAS that puts it in a slot, publishes them.
        w.thread = me;
        w.kind = kind;
        w.item = item;
        PARKING.set(w, (Parking) null);
        STATE.set(w, WAITING);
        return w;
    }

    /**
     * Keeps this waiter as the spare of its thread (the caller, running {@code task} or none), if its wait ended in
     * a claim by a channel operation and registered no listener: see "Spare waiters" in the class comment. The
     * caller must have read everything it needs from the waiter.
     */
    void recycle(Task<?> task) {
        if (listened) return;
        thread = null;
        item = null;
        next = prev = null; // a join's waiter still links to the next joiner's, whose thread a spare must not hold
        if (task != null) {
            if (sends) task.spareSendWaiter = this;
            else task.spareWaiter = this;
        } else {
            PerThread pt = PER_THREAD.get();
            if (sends) pt.spareSend = this;
            else pt.spare = this;
        }
    }

    /** Claims this waiter for {@code outcome}; true for exactly one caller. */
    boolean tryClaim(int outcome) {
        return STATE.compareAndSet(this, WAITING, outcome);
    }

    /** Wakes the thread of a waiter this caller claimed, if it has yielded or parked. */
    void wake() {
        Thread t = thread;
        if (kind != Kind.RENDEZVOUS) {
            LockSupport.unpark(t);
        } else {
            Parking p = parking;
            if (p != null) {
                LockSupport.unpark(t);
                noteWoken(p);
            }
        }
    }

    /** Claims the waiter and wakes its thread; returns false if somebody claimed it first. */
    boolean claimAndWake(int outcome) {
        if (tryClaim(outcome)) {
            wake();
            return true;
        }
        return false;
    }

    // ---- the rendezvous spin ------------------------------------------------------------------------------------
    //
    // Two virtual threads exchanging values through an unbuffered channel meet fastest when each runs on its own
    // carrier and spins for the other: no park, no unpark, no scheduling. Spinning is wrong, though, when the
    // partner is queued on the spinner's own carrier: it cannot run until the spinner gives up. SynchronousQueue
    // asks the scheduler whether the carrier has queued work; a library cannot. But an unpark from a virtual thread
    // queues the woken thread on the waker's carrier, which is how a partner usually comes to be queued behind us.
    // So each thread remembers the parked rendezvous waiter it last woke: if, at its next rendezvous wait, that
    // waiter has not run since, it is most likely still queued here, and the thread parks to let it run (after
    // watching it briefly now and then, in case another carrier has taken it: see watch).
    // Otherwise (it woke nobody, or another carrier took the one it woke) the thread spins first. Two partners on
    // separate carriers keep finding each other spinning, so neither unparks the other.

    /**
     * One yield-and-park of a rendezvous waiter, as its waker remembers it. A separate object, not the waiter, so
     * that the waker's memory of it does not keep the woken thread reachable (a leaked thread must stay collectable).
     */
    static final class Parking {
        /** Set once the parked thread runs again after being claimed. A hint, so a plain field. */
        boolean over;
    }

    /** Records that the calling thread has just woken the rendezvous waiter of parking {@code w}. */
    private static void noteWoken(Parking w) {
        if (!Thread.currentThread().isVirtual()) return;
        Task<?> task = Task.current0();
        if (task != null) task.wokeLast = w;
        else PER_THREAD.get().wokeLast = w;
    }

    /**
     * For a waiter of a rendezvous: spins for a short while, unless the waiter the calling thread (the waiter's,
     * running {@code task} or none) last woke has not run since. Forgets that waiter.
     *
     * @return the state reached, {@link #WAITING} if the spin ended unclaimed or was skipped
     */
    int spinForRendezvous(Task<?> task) {
        if (!thread.isVirtual() || thread.isInterrupted()) return state; // platform threads spin in await
        Parking woken;
        if (task != null) {
            woken = task.wokeLast;
            task.wokeLast = null;
        } else {
            PerThread pt = PER_THREAD.get();
            woken = pt.wokeLast;
            pt.wokeLast = null;
        }
        if (woken != null && !woken.over && !watch(woken)) return state;
        int s = state;
        for (int i = RENDEZVOUS_SPINS; i > 0 && s == WAITING; i--) {
            Thread.onSpinWait();
            s = state;
        }
        return s;
    }

    /**
     * The partner this thread last woke, {@code woken}, has not run since. Most likely it is queued behind us on
     * this carrier, where spinning would only delay it, so the caller parks. But another carrier may have taken it
     * and be about to run it; parking then makes the partner unpark us in turn, and once that happens the pair
     * tends to go on parking at every exchange, each finding the other not yet running (measured: forks that
     * stayed at about 400 ns a message instead of 120). So, now and then, watch the partner briefly: if it starts
     * running meanwhile it runs elsewhere, and the caller spins. While watching pays off it is done at every such
     * wait; each watch that does not doubles the number of such waits until the next one, up to
     * 2^{@value #WATCH_BACKOFF_MAX}, so that a thread whose partner really is queued behind it pays almost nothing.
     *
     * @return true if the partner started running (spin); false if this waiter was claimed meanwhile or the
     *         caller should park (the caller reads which from {@link #state})
     */
    private boolean watch(Parking woken) {
        if (watchSkips > 0) {
            watchSkips--;
            return false;
        }
        for (int i = WATCH_SPINS; i > 0 && state == WAITING && !woken.over; i--) Thread.onSpinWait();
        if (state != WAITING) return false;
        if (!woken.over) {
            if (watchBackoff < WATCH_BACKOFF_MAX) watchBackoff++;
            watchSkips = (1 << watchBackoff) - 1;
            return false;
        }
        watchBackoff = 0;
        return true;
    }

    /**
     * The brief first part of a wait, before the thread parks: a virtual thread yields once (unless it is of kind
     * {@link Kind#PARK}), a platform thread spins. Called by the waiting thread, once, before {@link #park}; what it
     * does is too brief to record as a wait, so callers record the wait only if it returns {@link #WAITING}.
     *
     * @return the state reached: {@link #WAITING} if the thread must now {@linkplain #park park}
     */
    int beforePark() {
        if (state != WAITING) return state; // claimed already, by a context found done
        if (thread.isVirtual()) {
            Kind k = kind;
            if (k == Kind.RENDEZVOUS) parking = new Parking();
            if (k == Kind.PARK) return state;
            Thread.yield(); // lets a partner queued on this carrier complete us before we park
        } else {
            for (int i = PLATFORM_SPINS; i > 0; i--) {
                int s = state;
                if (s != WAITING) return s;
                Thread.onSpinWait();
            }
            if (kind == Kind.RENDEZVOUS) parking = new Parking();
        }
        return state;
    }

    /**
     * Parks the calling thread (which must be {@link #thread}, after {@link #beforePark}) until the waiter is
     * claimed, claiming it itself on interrupt or when {@code deadline} (a {@link System#nanoTime()} value, or 0
     * for none) passes.
     *
     * @return the final state, never {@link #WAITING}
     */
    int park(Object blocker, long deadline) {
        for (;;) {
            int s = state;
            if (s != WAITING) return s;
            if (thread.isInterrupted()) {
                tryClaim(INTERRUPTED);
                continue;
            }
            if (deadline == 0L) {
                LockSupport.park(blocker);
            } else {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    tryClaim(TIMED_OUT);
                    continue;
                }
                LockSupport.parkNanos(blocker, remaining);
            }
        }
    }

    /** Called by the waiting thread once its wait is over, whichever way it ended: see {@link #noteWoken}. */
    void afterWait() {
        Parking p = parking;
        if (p != null) p.over = true;
    }
}
