package dev.tether;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Waits on several channel operations at once and performs exactly one: Go's {@code select} statement.
 *
 * <pre>{@code
 * String outcome = Select.select(
 *     results.onReceive().map(r -> "got " + r),
 *     requests.onSend(next).map(x -> "sent"),
 *     ctx.done().map(x -> "cancelled"),
 *     Select.timeout(Duration.ofSeconds(1)).map(x -> "timed out"));
 * }</pre>
 *
 * <p>Clauses: {@link Channel#onReceive()}, {@link Channel#onSend(Object)}, {@link Context#done()},
 * {@link #timeout(Duration)} and {@link #otherwise()} (Go's {@code default}). {@link Clause#map} turns a clause's
 * value into the select's result; the function runs after the clause has taken effect.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Exactly one clause takes effect. A send clause that did not win delivered nothing; a receive clause that did
 *       not win consumed nothing.
 *   <li>If several clauses are ready, the winner is chosen uniformly at random, as Go does, so no clause starves.
 *       The default clause is chosen only when no other clause is ready; a timeout only when it expires first.
 *   <li>A receive clause on a closed and drained channel, or a send clause on a closed channel, is ready, and
 *       winning it makes {@code select} throw {@link ChannelClosedException}.
 *   <li>While blocked, the select is cancellable like every Tether wait: {@link InterruptedException} on interrupt,
 *       {@link CancelledException} when the current context is done — unless a {@code done()} clause of that context
 *       is part of the select, in which case that clause wins.
 * </ul>
 *
 * <h2>Implementation notes</h2>
 * As in Go's {@code selectgo}: lock every channel involved in id order; visit the clauses in a random permutation
 * and complete the first that can complete now; otherwise enqueue one node per channel clause, all sharing one
 * {@link Waiter}, unlock, register the done-clauses with their contexts, and park. A counterpart completes the
 * select by claiming the shared waiter through one of its nodes, which makes every other node dead. Because the
 * readiness check and the enqueueing happen under all the channels' locks, no channel can claim the waiter before
 * all its nodes are in place, and the select never has to undo a claim. After waking, it unlinks its remaining
 * nodes.
 */
public final class Select {
    private Select() {
    }

    /**
     * Performs exactly one of {@code clauses}, blocking until one can complete, and returns its (mapped) value.
     *
     * @throws IllegalArgumentException if there are no clauses, or more than one {@link #otherwise()} clause
     * @throws NullPointerException     if a clause is null
     * @throws ChannelClosedException   if the winning clause met a closed channel
     * @throws InterruptedException     if interrupted while blocked; no clause took effect
     * @throws CancelledException       if the current context is done while blocked and no clause handles it; no
     *                                  clause took effect
     */
    @SafeVarargs
    @SuppressWarnings("unchecked")
    public static <R> R select(Clause<? extends R>... clauses) throws InterruptedException {
        Objects.requireNonNull(clauses, "clauses");
        int n = clauses.length;
        if (n == 0) throw new IllegalArgumentException("select needs at least one clause");
        Clause<?>[] base = new Clause<?>[n];
        Function<Object, Object>[] maps = new Function[n];
        int otherwise = -1, timeout = -1;
        long timeoutNanos = Long.MAX_VALUE;
        int channelClauses = 0;
        for (int i = 0; i < n; i++) {
            Clause<?> c = clauses[i];
            if (c == null) throw new NullPointerException("select clause " + i + " is null");
            Function<Object, Object> f = null;
            while (c instanceof Mapped<?, ?> m) {
                f = f == null ? (Function<Object, Object>) m.fn : f.compose((Function<Object, Object>) m.fn);
                c = m.inner;
            }
            base[i] = c;
            maps[i] = f;
            switch (c) {
                case DefaultClause d -> {
                    if (otherwise >= 0) throw new IllegalArgumentException("select has more than one otherwise()");
                    otherwise = i;
                }
                case TimeoutClause t -> {
                    long r = t.remaining();
                    if (r < timeoutNanos) {
                        timeoutNanos = r;
                        timeout = i;
                    }
                }
                case SendClause s -> channelClauses++;
                case ReceiveClause<?> r -> channelClauses++;
                default -> {
                }
            }
        }

        Channel<?>[] locks = lockOrder(base, channelClauses);
        int[] order = permutation(n);
        Waiter w = null;
        WaitNode[] nodes = null;
        int winner = -1;
        Object got = null;
        lockAll(locks);
        try {
            for (int k = 0; k < n && winner < 0; k++) {
                int i = order[k];
                switch (base[i]) {
                    case SendClause s -> {
                        if (s.channel.offerLocked(s.value)) winner = i;
                    }
                    case ReceiveClause<?> r -> {
                        Object v = r.channel.pollLocked();
                        if (v != null) {
                            winner = i;
                            got = v;
                        }
                    }
                    case DoneClause d -> {
                        if (d.context.isDone()) winner = i;
                    }
                    default -> {
                    }
                }
            }
            if (winner < 0 && otherwise < 0) {
                w = new Waiter(Thread.currentThread());
                nodes = new WaitNode[n];
                for (int i = 0; i < n; i++) {
                    switch (base[i]) {
                        case SendClause s -> s.channel.enqueueSenderLocked(nodes[i] = new WaitNode(w, i, s.value));
                        case ReceiveClause<?> r -> r.channel.enqueueReceiverLocked(nodes[i] = new WaitNode(w, i, null));
                        default -> {
                        }
                    }
                }
            }
        } finally {
            unlockAll(locks);
        }
        if (winner < 0 && otherwise >= 0) winner = otherwise;
        if (winner < 0) {
            winner = block(w, nodes, base, locks, timeout, timeoutNanos);
            WaitNode won = nodes[winner];
            if (won != null) got = won.item;
        }
        return (R) finish(base[winner], maps[winner], got);
    }

    /** Parks until a clause wins; unlinks the losers; returns the winner's index or throws if abandoned. */
    private static int block(Waiter w, WaitNode[] nodes, Clause<?>[] base, Channel<?>[] locks, int timeout,
                             long timeoutNanos) throws InterruptedException {
        int n = base.length;
        CancelContext covered = null;
        CancelContext ambient = Context.current().cancelSource();
        for (int i = 0; i < n; i++) {
            if (base[i] instanceof DoneClause d) {
                CancelContext src = d.context.cancelSource();
                if (src == null) continue; // never done: nothing to register
                if (src == ambient) covered = src;
                WaitNode node = nodes[i] = new WaitNode(w, i, null);
                if (!src.addListener(node)) w.tryClaim(i);
            }
        }
        long deadline = 0L;
        if (timeout >= 0) {
            deadline = System.nanoTime() + timeoutNanos;
            if (deadline == 0L) deadline = 1L;
        }
        int s = Blocking.await(w, WaitReason.SELECT, 0, null, deadline, covered);

        // Unlink every node still queued: the winner's was unlinked by whoever claimed it. Reading queued without
        // the lock is safe for skipping: once false (unlinked) it stays false, and this thread, which set it true,
        // cannot read an older false. A select with one channel clause that won through it takes no lock here.
        if (anyQueued(nodes, base)) {
            lockAll(locks);
            try {
                for (int i = 0; i < n; i++) {
                    WaitNode node = nodes[i];
                    if (node == null || !node.queued) continue;
                    switch (base[i]) {
                        case SendClause sc -> sc.channel.unlinkLocked(node, true);
                        case ReceiveClause<?> rc -> rc.channel.unlinkLocked(node, false);
                        default -> {
                        }
                    }
                }
            } finally {
                unlockAll(locks);
            }
        }
        for (int i = 0; i < n; i++) {
            if (nodes[i] != null && base[i] instanceof DoneClause d) d.context.cancelSource().removeListener(nodes[i]);
        }
        if (s >= 0) return s;
        if (s == Waiter.TIMED_OUT) return timeout;
        throw Blocking.abandoned(s);
    }

    /** True if a channel clause's node may still be queued (see block). */
    private static boolean anyQueued(WaitNode[] nodes, Clause<?>[] base) {
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null && nodes[i].queued && !(base[i] instanceof DoneClause)) return true;
        }
        return false;
    }

    private static Object finish(Clause<?> c, Function<Object, Object> map, Object got) {
        Object v = null;
        if (c instanceof ReceiveClause<?> r) v = r.channel.valueOrThrow(got);
        else if (c instanceof SendClause s && got == WaitNode.CLOSED) throw s.channel.closedForSend();
        return map == null ? v : map.apply(v);
    }

    /** The distinct channels of the select, sorted by id: the one global lock order. */
    private static Channel<?>[] lockOrder(Clause<?>[] base, int channelClauses) {
        Channel<?>[] chans = new Channel<?>[channelClauses];
        int m = 0;
        for (Clause<?> c : base) {
            Channel<?> ch = c instanceof SendClause s ? s.channel : c instanceof ReceiveClause<?> r ? r.channel : null;
            if (ch == null) continue;
            int j = m++;
            while (j > 0 && chans[j - 1].id > ch.id) {
                chans[j] = chans[j - 1];
                j--;
            }
            chans[j] = ch;
        }
        int distinct = 0;
        for (int i = 0; i < m; i++) {
            if (distinct == 0 || chans[distinct - 1] != chans[i]) chans[distinct++] = chans[i];
        }
        if (distinct < m) {
            Channel<?>[] d = new Channel<?>[distinct];
            System.arraycopy(chans, 0, d, 0, distinct);
            return d;
        }
        return chans;
    }

    private static void lockAll(Channel<?>[] chans) {
        for (Channel<?> c : chans) c.lock();
    }

    private static void unlockAll(Channel<?>[] chans) {
        for (int i = chans.length - 1; i >= 0; i--) chans[i].unlock();
    }

    private static int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    // ---- clauses ---------------------------------------------------------------------------------------------

    /**
     * A clause that becomes ready after {@code timeout}, yielding null. The shortest timeout of a select counts.
     *
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static Clause<Void> timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        return new TimeoutClause(Context.saturatedNanos(timeout), false);
    }

    /** A clause that becomes ready at {@code deadline}, a {@link System#nanoTime()} value, yielding null. */
    static Clause<Void> deadline(long deadline) {
        return new TimeoutClause(deadline, true);
    }

    /** Go's {@code default}: a clause chosen, yielding null, when no other clause is ready; the select never blocks. */
    public static Clause<Void> otherwise() {
        return DefaultClause.INSTANCE;
    }

    /**
     * One alternative of a {@link Select}. Clauses are immutable descriptions: creating one has no effect, and the
     * same clause may be used in any number of selects.
     *
     * @param <R> the type of value the clause yields when it wins
     */
    public abstract static sealed class Clause<R>
            permits SendClause, ReceiveClause, DoneClause, TimeoutClause, DefaultClause, Mapped {
        Clause() {
        }

        /**
         * A clause with the same effect whose value is {@code fn} applied to this clause's value. {@code fn} runs in
         * the selecting thread after the clause has taken effect; what it throws, the select throws.
         *
         * @throws NullPointerException if {@code fn} is null
         */
        public final <U> Clause<U> map(Function<? super R, ? extends U> fn) {
            return new Mapped<>(this, Objects.requireNonNull(fn, "fn"));
        }
    }

    static final class SendClause extends Clause<Void> {
        final Channel<?> channel;
        final Object value;

        SendClause(Channel<?> channel, Object value) {
            this.channel = channel;
            this.value = value;
        }
    }

    static final class ReceiveClause<T> extends Clause<T> {
        final Channel<T> channel;

        ReceiveClause(Channel<T> channel) {
            this.channel = channel;
        }
    }

    static final class DoneClause extends Clause<Void> {
        final Context context;

        DoneClause(Context context) {
            this.context = context;
        }
    }

    static final class TimeoutClause extends Clause<Void> {
        /** A duration, or a {@link System#nanoTime()} deadline if {@link #absolute}. */
        private final long nanos;
        private final boolean absolute;

        TimeoutClause(long nanos, boolean absolute) {
            this.nanos = nanos;
            this.absolute = absolute;
        }

        /** Nanoseconds from now until the clause is ready, never negative. */
        long remaining() {
            if (!absolute) return nanos;
            long r = nanos - System.nanoTime();
            return r > 0 ? r : 0;
        }
    }

    static final class DefaultClause extends Clause<Void> {
        static final DefaultClause INSTANCE = new DefaultClause();
    }

    static final class Mapped<T, R> extends Clause<R> {
        final Clause<T> inner;
        final Function<? super T, ? extends R> fn;

        Mapped(Clause<T> inner, Function<? super T, ? extends R> fn) {
            this.inner = inner;
            this.fn = fn;
        }
    }
}
