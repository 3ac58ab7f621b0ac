package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A typed conduit between tasks: Go's {@code chan T}.
 *
 * <p>An {@linkplain #unbuffered() unbuffered} channel is a rendezvous: a {@link #send} completes only when a
 * {@link #receive} takes the value. A {@linkplain #buffered(int) buffered} channel holds up to its capacity of
 * values; sends block only while it is full and receives only while it is empty. Values are delivered in FIFO
 * order per channel.
 *
 * <h2>The delivery contract</h2>
 * A value passed to {@code send} (or {@code trySend}, or a send clause of a {@link Select}) is delivered to exactly
 * one receiver, or its sender learns it was not delivered — by an exception ({@link ChannelClosedException},
 * {@link InterruptedException}, {@link CancelledException}) or a {@code false} return. Never lost, never
 * duplicated, including when a send races with close, interrupt or cancellation. A value accepted into the buffer
 * counts as delivered: it stays receivable after {@link #close()}.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent. After it, sends fail with {@link ChannelClosedException} (a send blocked at that
 * moment fails too, its value undelivered); receives drain the buffered values, then fail with
 * {@link ChannelClosedException}. Iteration ({@code for (T v : ch)}) ends at that point.
 *
 * <h2>Blocking and cancellation</h2>
 * {@link #send} and {@link #receive} block while they cannot complete. A blocked call returns early when the calling
 * thread is interrupted ({@link InterruptedException}, status cleared) or its {@linkplain Context#current() current
 * context} is done ({@link CancelledException}, carrying the context's cause). An operation that completes without
 * blocking records nothing anywhere; one that blocks shows in {@link TaskRegistry} dumps as
 * {@code [chan send]} or {@code [chan receive]}. {@code null} values are rejected.
 *
 * <p>Memory consistency effects: actions in a thread prior to sending a value happen-before actions subsequent to
 * the receipt of that value in another thread, as with {@link java.util.concurrent.BlockingQueue}.
 *
 * <h2>Implementation notes</h2>
 * A lock guards the buffer and two FIFO wait queues of {@link WaitNode}s (blocked senders with their values,
 * blocked receivers). Invariants under the lock: if the buffer is non-empty there is no live waiting receiver, and
 * if the buffer has room there is no live waiting sender. Nodes in the queues may be dead (their waiter was
 * claimed elsewhere — another clause of a select, an interrupt); an operation that dequeues a dead node drops it
 * and moves on, and the waiting thread unlinks its own node when it gives up, so quiet channels do not collect
 * dead nodes. Completing a waiting counterpart means claiming its {@link Waiter}: see that class for why this
 * makes every handoff happen exactly once. Selects lock all their channels in id order, so locks are always taken
 * in one global order and never nest otherwise.
 *
 * <p>An unbuffered channel adds a slot beside the lock for the common case of a rendezvous: one partner waiting, the
 * other arriving. A plain send or receive that finds the slot empty waits in it, and one that finds its partner
 * there takes it out and completes it, each with one CAS and without the lock; every other case goes through the
 * lock, which first moves the slot's waiter into its queue (see "The slot" in {@code Rendezvous}).
 *
 * <p>The lock spins briefly before it queues (see {@link #lock()}). On an unbuffered channel both partners of every
 * exchange arrive at once, so its waits spin briefly too before parking (see {@link Waiter#spinForRendezvous}): two
 * tasks on separate carriers then hand values over without parking or unparking either. A buffered channel's waits
 * park at once (see {@link Waiter.Kind#PARK}). A blocked send or receive reuses its thread's spare waiter rather
 * than allocating one (see "Spare waiters" in {@link Waiter}): a fresh object per wait was most of the cost of an
 * unbuffered handoff.
 *
 * @param <T> the type of values carried
 */
public final class Channel<T> implements Iterable<T> {
    private static final AtomicLong IDS = new AtomicLong();

    final long id;
    private final Core core;
    /**
     * An unbuffered channel's core, with its slot; null for a buffered channel. Kept here, not found from the core:
     * a buffered channel's send or receive must not read the core's cache line before it CASes the lock there. A
     * read first fetches the line shared, and the CAS then needs a second trip between cores to own it (measured: a
     * buffered(16) producer/consumer took 1.08–1.17× the time when the check read the core).
     */
    private final Rendezvous rendezvous;
    private volatile boolean closed;
    /** How blocked sends and receives show in dumps, and the id they wait on; a pool's queue names itself. */
    private final WaitReason sendReason, receiveReason;
    private final long waitOn;

    private Channel(int capacity) {
        this(capacity, WaitReason.CHAN_SEND, WaitReason.CHAN_RECEIVE, 0);
    }

    /**
     * A channel whose blocked operations show in dumps as {@code sendReason}/{@code receiveReason}, waiting on
     * {@code on} (0: on this channel). A worker pool's job queue uses this to name itself.
     */
    Channel(int capacity, WaitReason sendReason, WaitReason receiveReason, long on) {
        this.id = IDS.incrementAndGet();
        // Allocated right after this channel, whose fields are read-mostly: see PaddedRendezvous.
        this.rendezvous = capacity == 0 ? new PaddedRendezvous() : null;
        this.core = capacity == 0 ? rendezvous : new Core(capacity);
        this.sendReason = sendReason;
        this.receiveReason = receiveReason;
        this.waitOn = on == 0 ? id : on;
    }

    /** A rendezvous channel: each send waits for a receiver. Go's {@code make(chan T)}. */
    public static <T> Channel<T> unbuffered() {
        return new Channel<>(0);
    }

    /**
     * A channel holding up to {@code capacity} values; 0 gives an unbuffered channel. Go's
     * {@code make(chan T, capacity)}. The buffer is allocated up front.
     *
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    public static <T> Channel<T> buffered(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
        return new Channel<>(capacity);
    }

    /** The capacity given at creation; 0 for unbuffered. */
    public int capacity() {
        return core.capacity();
    }

    /** The number of values in the buffer now (Go's {@code len(ch)}). */
    public int size() {
        lock();
        try {
            return core.count;
        } finally {
            unlock();
        }
    }

    /** True once {@link #close()} has been called (buffered values may remain). */
    public boolean isClosed() {
        return closed;
    }

    // ---- blocking operations ---------------------------------------------------------------------------------

    /**
     * Sends {@code value}, blocking until a receiver takes it or the buffer accepts it.
     *
     * @throws NullPointerException   if {@code value} is null
     * @throws ChannelClosedException if the channel is or becomes closed first; the value was not delivered
     * @throws InterruptedException   if interrupted while blocked; the value was not delivered
     * @throws CancelledException     if the current context is done while blocked; the value was not delivered
     */
    public void send(T value) throws InterruptedException {
        Objects.requireNonNull(value, "value: channels do not carry null");
        Object r = rendezvous != null ? sendThroughSlot(value) : USE_LOCK;
        if (r == DELIVERED) return;
        Task<?> task;
        Waiter node;
        if (r == USE_LOCK) {
            lock();
            try {
                if (offerLocked(value)) return;
                node = newWaiter(task = Task.current0(), value); // looked up only by an operation that waits
                enqueueSenderLocked(node);
            } finally {
                unlock();
            }
        } else {
            node = (Waiter) r;
            task = Task.current0();
        }
        awaitSend(task, node); // one call site, whichever way the wait began, so that dumps group such waits together
    }

    /**
     * Receives the next value, blocking until one is available.
     *
     * @throws ChannelClosedException if the channel is closed and has no buffered values left
     * @throws InterruptedException   if interrupted while blocked; nothing was received
     * @throws CancelledException     if the current context is done while blocked; nothing was received
     */
    @SuppressWarnings("unchecked")
    public T receive() throws InterruptedException {
        Object r = rendezvous != null ? receiveThroughSlot() : USE_LOCK;
        Task<?> task;
        Waiter node;
        if (r == USE_LOCK) {
            lock();
            try {
                Object v = pollLocked();
                if (v != null) return valueOrThrow(v);
                node = newWaiter(task = Task.current0(), null);
                enqueueReceiverLocked(node);
            } finally {
                unlock();
            }
        } else if (r instanceof Waiter w) {
            node = w;
            task = Task.current0();
        } else {
            return (T) r;
        }
        return awaitReceive(task, node); // one call site: see send
    }

    /** What {@link #sendThroughSlot} and {@link #receiveThroughSlot} return when the slot cannot serve. */
    private static final Object USE_LOCK = new Object();
    /** What {@link #sendThroughSlot} returns when it handed the value over. */
    private static final Object DELIVERED = new Object();

    /**
     * An unbuffered channel's send through its slot (see "The slot" in {@link Rendezvous}): hands {@code value} to the
     * receiver waiting there, or puts a waiter for the send there.
     *
     * @return {@link #DELIVERED}; the waiter now in the slot, for the caller to await; or {@link #USE_LOCK}
     */
    private Object sendThroughSlot(Object value) {
        Rendezvous c = rendezvous;
        Waiter node = null;
        Task<?> task = null;
        for (Object s; ; ) {
            if ((s = c.slot) == null) {
                if (node == null) node = newWaiter(task = Task.current0(), value);
                if (c.casSlot(null, node)) return node;
            } else if (s instanceof Waiter r && !r.sends) {
                if (c.casSlot(r, null) && handOver(r, value)) break;
            } else {
                if (node != null) node.recycle(task); // never published
                return USE_LOCK;
            }
        }
        if (node != null) node.recycle(task);
        return DELIVERED;
    }

    /**
     * An unbuffered channel's receive through its slot: takes the value of the sender waiting there, or puts a
     * waiter for the receive there.
     *
     * @return the value; the waiter now in the slot, for the caller to await; or {@link #USE_LOCK}. (No value is a
     *         {@code Waiter}: the class is this package's own, and no channel of it carries one.)
     */
    private Object receiveThroughSlot() {
        Rendezvous c = rendezvous;
        Waiter node = null;
        Task<?> task = null;
        for (Object s; ; ) {
            if ((s = c.slot) == null) {
                if (node == null) node = newWaiter(task = Task.current0(), null);
                if (c.casSlot(null, node)) return node;
            } else if (s instanceof Waiter w && w.sends) {
                if (c.casSlot(w, null)) {
                    Object v = w.item; // read after taking it out: the value of the wait it is in now
                    if (w.claimAndWake(0)) {
                        if (node != null) node.recycle(task);
                        return v;
                    }
                }
            } else {
                if (node != null) node.recycle(task);
                return USE_LOCK;
            }
        }
    }

    /** Waits until the send of {@code node}, queued or in the slot, completes. */
    private void awaitSend(Task<?> task, Waiter node) throws InterruptedException {
        int s = Blocking.await(task, node, sendReason, waitOn, this, 0L, null);
        if (s == 0) {
            if (node.item == WaitNode.CLOSED) throw closedForSend();
            node.recycle(task);
            return;
        }
        unlink(node, true);
        throw Blocking.abandoned(s);
    }

    /** Waits until the receive of {@code node}, queued or in the slot, completes; returns the value. */
    private T awaitReceive(Task<?> task, Waiter node) throws InterruptedException {
        int s = Blocking.await(task, node, receiveReason, waitOn, this, 0L, null);
        if (s == 0) {
            Object v = node.item;
            if (v != WaitNode.CLOSED) node.recycle(task);
            return valueOrThrow(v);
        }
        unlink(node, false);
        throw Blocking.abandoned(s);
    }

    /**
     * Sends {@code value} only if that needs no waiting: a receiver is waiting or the buffer has room.
     *
     * @return true if the value was delivered (or buffered), false if it was not
     * @throws NullPointerException   if {@code value} is null
     * @throws ChannelClosedException if the channel is closed; the value was not delivered
     */
    public boolean trySend(T value) {
        Objects.requireNonNull(value, "value: channels do not carry null");
        lock();
        try {
            return offerLocked(value);
        } finally {
            unlock();
        }
    }

    /**
     * Receives a value only if one is available without waiting.
     *
     * @return the value, or null if none is available now
     * @throws ChannelClosedException if the channel is closed and has no buffered values left
     */
    public T tryReceive() {
        Object v;
        lock();
        try {
            v = pollLocked();
        } finally {
            unlock();
        }
        return v == null ? null : valueOrThrow(v);
    }

    /**
     * Closes the channel; idempotent, never blocks. Blocked senders fail with {@link ChannelClosedException} (their
     * values undelivered); blocked receivers fail the same way (there are none while values are buffered).
     */
    public void close() {
        WaitNode rs, ss;
        lock();
        try {
            if (closed) return;
            closed = true;
            Core c = core;
            rs = WaitNode.detachAll(c.receivers);
            ss = WaitNode.detachAll(c.senders);
            c.receivers = c.senders = null;
        } finally {
            unlock();
        }
        // Drained nodes are reachable only from here, so writing their items outside the lock races with nothing.
        WaitNode.wakeClosed(rs);
        WaitNode.wakeClosed(ss);
    }

    /** A {@link Select} clause that receives from this channel; if the channel is closed and drained, the select
     * throws {@link ChannelClosedException}. */
    public Select.Clause<T> onReceive() {
        return new Select.ReceiveClause<>(this);
    }

    /**
     * A {@link Select} clause that sends {@code value}; it has an effect only if it wins. If the channel is closed
     * the select throws {@link ChannelClosedException}.
     *
     * @throws NullPointerException if {@code value} is null
     */
    public Select.Clause<Void> onSend(T value) {
        return new Select.SendClause(this, Objects.requireNonNull(value, "value: channels do not carry null"));
    }

    /**
     * Iterates over received values until the channel is closed and drained (Go's {@code for v := range ch}).
     * {@code hasNext()} blocks; if the thread is interrupted or its context is done meanwhile, it throws
     * {@link CancelledException} (with the interrupt status set again in the former case).
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next != null) return true;
                try {
                    next = receive();
                    return true;
                } catch (ChannelClosedException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancelledException("interrupted while iterating over " + Channel.this, e);
                }
            }

            @Override
            public T next() {
                if (!hasNext()) throw new NoSuchElementException(Channel.this + " is closed and drained");
                T v = next;
                next = null;
                return v;
            }
        };
    }

    @Override
    public String toString() {
        int cap = capacity();
        return "chan " + id + (cap == 0 ? " (unbuffered" : " (buffered " + cap) + (closed ? ", closed)" : ")");
    }

    // ---- lock-held primitives, shared with Select ------------------------------------------------------------

    /** How often {@link #lock()} retries before queueing on the lock. */
    private static final int LOCK_SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 64 : 0;

    /**
     * Takes the lock; if it is held, spins briefly first. Every critical section is a few dozen instructions, and
     * queueing on the lock would park, which for a virtual thread means unmounting it: the partners of a rendezvous
     * reach the channel at the same moment on every exchange, and a producer and a consumer of a buffered channel
     * often do (without the spin, up to 30% of a buffered channel's lock operations queued in some rounds, and those
     * rounds were the slow ones). The spin reads the lock before it CASes, so as not to pull the lock's cache line
     * away from its holder on every try.
     */
    void lock() {
        Core c = core;
        if (!c.tryLock()) {
            // Written out here, not called: as a method of its own (37 bytes of bytecode), C2 did not inline it
            // into send and receive, its call site being too cold for a method above 35 bytes, and a buffered(16)
            // producer/consumer took 1.07–1.18× the time.
            for (int i = LOCK_SPINS; ; i--) {
                if (i == 0) {
                    c.lock();
                    break;
                }
                Thread.onSpinWait();
                if (c.isFree() && c.tryLock()) break;
            }
        }
        Rendezvous r = rendezvous;
        if (r != null) r.takeSlot();
    }

    void unlock() {
        Rendezvous r = rendezvous;
        if (r != null) r.releaseSlot(closed);
        core.unlock();
    }

    /**
     * The channel's lock and the state it guards: the buffer and the heads of the two wait queues. Against a
     * {@code ReentrantLock} with separate queue objects, this made a rendezvous about 15% faster.
     */
    private static class Core extends LockedRing {
        /** The heads of the wait queues of blocked senders and receivers (see {@link WaitNode#append}). */
        WaitNode senders, receivers;

        Core(int capacity) {
            super(capacity);
        }
    }

    /** An unbuffered channel's core: its lock, its queues and its slot. A buffered channel's has no slot. */
    private static class Rendezvous extends Core {
        // ---- The slot ----------------------------------------------------------------------------------------
        //
        // An unbuffered channel's partners mostly meet one at a time: one waits, the other comes and completes it.
        // Through the lock, that costs five atomic operations per message (the waiter's lock and unlock to queue
        // itself, the partner's lock, claim and unlock); through the slot, three. The slot holds
        //   null      the lock is free and both queues are empty: a send or receive may wait in the slot;
        //   a Waiter  the lock is free, both queues are empty, and this one send or receive waits in the slot
        //             (Waiter.sends tells which): a partner may take it out and complete it;
        //   QUEUED    the lock is free and a queue is not empty: everything goes through the lock;
        //   CLOSED    the channel is closed (its queues stay empty): everything goes through the lock;
        //   BUSY      a lock holder took the slot: everything goes through the lock.
        // A send or receive CASes its waiter into an empty slot, or CASes a partner out of it and claims it, and
        // falls back to the lock in every other case. A lock holder first moves the slot's waiter, if any, to the
        // head of its (empty) queue, leaving BUSY, and before unlocking sets the slot from the queues and the
        // closed flag; it leaves QUEUED and CLOSED alone, as nobody changes those but lock holders. So the slot
        // and the queues are never both non-empty, the slot's waiter is first in FIFO order, and lock holders see
        // every waiter in their queues (Select, close and the like are the same as on a buffered channel).
        //
        // The slot could be the lock itself (BUSY meaning locked), saving the lock's own CAS and release. Measured,
        // that made a ping-pong of selects no faster and, in some runs, twice as slow: contenders for the slot
        // cannot park on it, only spin and yield. So the lock stays a StateLock, and the slot costs a lock holder
        // one more atomic operation (see takeSlot).
        //
        // Taking a waiter out of the slot is an ABA hazard: between reading the slot and the CAS, the waiter may
        // have been completed, recycled (see Waiter) and put back into the slot by a new wait of its thread. That
        // new wait is then as good a partner as the old one, since a waiter is only ever reused for the same
        // direction (Waiter.sends is final), and the taker reads the value only after its CAS. The waiter is
        // written before the CAS that puts it in the slot, which publishes it, as the lock does for the queues.

        private static final Object QUEUED = new Object(), CLOSED = new Object(), BUSY = new Object();
        private static final VarHandle SLOT;

        static {
            try {
                SLOT = MethodHandles.lookup().findVarHandle(Rendezvous.class, "slot", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** See "The slot". */
        volatile Object slot;

        Rendezvous() {
            super(0);
        }

        boolean casSlot(Object expected, Object next) {
            return SLOT.compareAndSet(this, expected, next);
        }

        /** Moves the waiter in the slot, if any, into its queue, which is empty, and marks the slot taken. */
        void takeSlot() {
            Object s = slot;
            if (s == QUEUED || s == CLOSED) return; // only lock holders change these
            if ((s = SLOT.getAndSet(this, BUSY)) instanceof Waiter w) {
                if (w.sends) senders = WaitNode.append(null, w);
                else receivers = WaitNode.append(null, w);
            }
        }

        /** Sets the slot from the queues before the lock holder unlocks. */
        void releaseSlot(boolean closed) {
            Object next = closed ? CLOSED : senders == null && receivers == null ? null : QUEUED;
            if (slot != next) SLOT.setRelease(this, next);
        }
    }

    /**
     * A {@link Rendezvous} followed by a cache line of padding, so that the next object in memory (often another
     * channel) never shares a line with the slot, which both partners CAS on every exchange. Without it, two channels
     * created together, a ping and a pong, could have one's slot on the line of the other's fields, and every CAS on
     * one slot pulled the other channel's line away from the partner too (measured: a ping-pong took 0.92–0.99× the
     * time with the padding in six runs of paired rounds, 0.83× across JMH forks). In front of the core, at
     * allocation, is its own channel, whose fields are read-mostly; padding there is impossible anyway, as the lock's
     * fields come first. A buffered channel goes without: its producer and consumer pass through the buffer's array,
     * which follows the core, and measured no faster with the padding (1.08× the time, 3 of 10 rounds faster). A
     * subclass, because HotSpot lays out a class's fields after all of its superclass's (filling only gaps smaller
     * than a long), while within one class it would put these longs first.
     */
    private static final class PaddedRendezvous extends Rendezvous {
        @SuppressWarnings("unused")
        private long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    /** Completes receiver {@code r}, taken out of the slot, with {@code value}; false if it was dead. */
    private static boolean handOver(Waiter r, Object value) {
        r.item = value;
        if (r.claimAndWake(0)) return true;
        r.item = null;
        return false;
    }

    /**
     * Completes a send of {@code v} if possible without waiting: hands it to a live waiting receiver, else buffers
     * it. Lock held.
     *
     * @throws ChannelClosedException if closed
     */
    boolean offerLocked(Object v) {
        if (closed) throw closedForSend();
        Core c = core;
        for (WaitNode r; (r = c.receivers) != null; ) {
            c.receivers = WaitNode.unlink(r, r);
            r.item = v;
            if (r.waiter.claimAndWake(r.index)) return true;
            r.item = null; // dead node: its waiter was claimed elsewhere
        }
        if (!c.hasRoom()) return false;
        c.push(v);
        return true;
    }

    /**
     * Completes a receive if possible without waiting. Lock held.
     *
     * @return the value; {@link WaitNode#CLOSED} if closed and drained; null if a receive would have to wait
     */
    Object pollLocked() {
        Core c = core;
        Object v = c.pop();
        if (v != null) {
            // The buffer has room now: move the first live blocked sender's value in (FIFO across both).
            for (WaitNode s; (s = c.senders) != null; ) {
                c.senders = WaitNode.unlink(s, s);
                Object sv = s.item;
                if (s.waiter.claimAndWake(s.index)) {
                    c.push(sv);
                    break;
                }
            }
            return v;
        }
        for (WaitNode s; (s = c.senders) != null; ) {
            c.senders = WaitNode.unlink(s, s);
            Object sv = s.item;
            if (s.waiter.claimAndWake(s.index)) return sv;
        }
        return closed ? WaitNode.CLOSED : null;
    }

    /**
     * The waiter of a send (of {@code item}) or a receive (item null) of {@code task} (or none) that must block: see
     * {@link Waiter.Kind}. The thread's spare if it has one: see {@link Waiter#obtain}.
     */
    private Waiter newWaiter(Task<?> task, Object item) {
        return Waiter.obtain(task, rendezvous != null ? Waiter.Kind.RENDEZVOUS : Waiter.Kind.PARK, item);
    }

    void enqueueSenderLocked(WaitNode n) {
        core.senders = WaitNode.append(core.senders, n);
    }

    void enqueueReceiverLocked(WaitNode n) {
        core.receivers = WaitNode.append(core.receivers, n);
    }

    /** Unlinks a node whose waiter gave up or won elsewhere, if still queued. Lock held. */
    void unlinkLocked(WaitNode n, boolean sender) {
        Core c = core;
        if (sender) c.senders = WaitNode.unlink(c.senders, n);
        else c.receivers = WaitNode.unlink(c.receivers, n);
    }

    private void unlink(Waiter n, boolean sender) {
        Rendezvous r = rendezvous;
        if (r != null && r.slot == n && r.casSlot(n, null)) return;
        lock();
        try {
            unlinkLocked(n, sender);
        } finally {
            unlock();
        }
    }

    @SuppressWarnings("unchecked")
    T valueOrThrow(Object v) {
        if (v == WaitNode.CLOSED) throw new ChannelClosedException(this, "receive from closed " + this);
        return (T) v;
    }

    ChannelClosedException closedForSend() {
        return new ChannelClosedException(this, "send on closed " + this + ": the value was not delivered");
    }
}
