package dev.tether.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The least an unbuffered hand-off between two spinning threads can do: one field per channel and nothing else — no
 * parking, no cancellation, no close, no queue, no record of the wait. A receiver that finds the field empty puts its
 * token there and spins until a sender replaces the token with the value; a sender that finds it empty puts its offer
 * there and spins until the receiver marks it taken. Each message is then one CAS on one cache line and the partner
 * reading it: the cache-line trips between two cores, and nothing more.
 *
 * <p>Not a channel anyone could use: it serves one sender and one receiver, and a thread whose partner never comes
 * spins forever. {@link PairedPingPong} runs it as the floor under every real rendezvous.
 */
final class SpinHandoff {
    private static final Integer V = 7;
    private static final Object TAKEN = new Object();
    private static final VarHandle SLOT;

    static {
        try {
            SLOT = MethodHandles.lookup().findVarHandle(SpinHandoff.class, "slot", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A waiting receiver's mark. */
    private static final class Receiver {
    }

    /** A waiting sender's offer, reused by its sender: read its value before taking it. */
    private static final class Offer {
        Object value;
    }

    /** Null, a waiting {@link Receiver}, the value handed to it, a waiting {@link Offer}, or {@link #TAKEN}. */
    private volatile Object slot;
    /** Keeps the next object in memory off the slot's cache line, as a Tether channel does. */
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;

    private void send(Object v, Offer mine) {
        for (Object s; ; Thread.onSpinWait()) {
            if ((s = slot) instanceof Receiver r) {
                if (SLOT.compareAndSet(this, r, v)) return;
            } else if (s == null) {
                mine.value = v;
                if (SLOT.compareAndSet(this, null, mine)) {
                    while (slot != TAKEN) Thread.onSpinWait();
                    slot = null;
                    return;
                }
            }
        }
    }

    private Object receive(Receiver me) {
        for (Object s; ; Thread.onSpinWait()) {
            if ((s = slot) instanceof Offer o) {
                Object v = o.value;
                if (SLOT.compareAndSet(this, o, TAKEN)) return v;
            } else if (s == null && SLOT.compareAndSet(this, null, me)) {
                while ((s = slot) == me) Thread.onSpinWait();
                slot = null;
                return s;
            }
        }
    }

    /** A ping-pong of {@code n} round trips between two virtual threads, as {@code ChannelBench} runs them. */
    static long pingPong(int n) throws Exception {
        SpinHandoff ping = new SpinHandoff(), pong = new SpinHandoff();
        return ChannelBench.runPair(() -> {
            Offer offer = new Offer();
            Receiver me = new Receiver();
            long sum = 0;
            for (int i = 0; i < n; i++) {
                ping.send(V, offer);
                sum += (Integer) pong.receive(me);
            }
            if (sum != (long) n * V) throw new IllegalStateException("spin ping-pong summed " + sum);
            return sum;
        }, () -> {
            Offer offer = new Offer();
            Receiver me = new Receiver();
            for (int i = 0; i < n; i++) pong.send(ping.receive(me), offer);
            return 0;
        });
    }
}
