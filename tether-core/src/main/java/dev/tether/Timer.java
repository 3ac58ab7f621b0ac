package dev.tether;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;

/**
 * Delivers the time once, after a delay, unless stopped first: Go's {@code time.Timer}, with an owner.
 *
 * <pre>{@code
 * Timer giveUp = Timer.start(Duration.ofSeconds(5));
 * Reply r = Select.select(replies.onReceive(), giveUp.onFire().map(t -> Reply.TIMED_OUT));
 * giveUp.stop();
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A timer is bound to a context (the current one, or the one given) and is stopped when that context is done,
 *       so an abandoned timer never outlives the work it was timing.
 *   <li>It fires at most once; the time it fired stays receivable until received.
 *   <li>{@link #stop()} is idempotent and returns true only if it stopped the timer before it fired (Go's
 *       {@code Stop}). After a stop that prevented firing, {@link #receive()} throws
 *       {@link ChannelClosedException} instead of blocking forever.
 * </ul>
 * There is no {@code reset}: Go's is a well-known source of races; start a new timer instead.
 *
 * <p>For a deadline inside one {@link Select}, {@link #after(Duration)} needs no timer at all.
 */
public final class Timer implements AutoCloseable {
    private final Channel<Instant> fired = Channel.buffered(1);
    private final HookContext lifetime;
    private final Duration delay;
    /** Guarded by this; null once fired or stopped. */
    private ScheduledFuture<?> schedule;
    /** Guarded by this. */
    private boolean hasFired;

    private Timer(Context owner, Duration delay) {
        this.delay = delay;
        synchronized (this) {
            this.lifetime = new HookContext(owner, this::stopBeforeFiring);
            if (!lifetime.isDone()) schedule = Timers.schedule(this::fire, Context.saturatedNanos(delay));
        }
        if (lifetime.isDone() && schedule == null && !hasFired) fired.close(); // born under a done owner
    }

    /**
     * Starts a timer that fires after {@code delay}, bound to the {@linkplain Context#current() current context}.
     *
     * @throws NullPointerException     if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public static Timer start(Duration delay) {
        return new Timer(Context.current(), checkDelay(delay));
    }

    /**
     * Starts a timer that fires after {@code delay}, bound to {@code owner}.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public static Timer start(Context owner, Duration delay) {
        return new Timer(Objects.requireNonNull(owner, "owner"), checkDelay(delay));
    }

    /**
     * A {@link Select} clause that becomes ready {@code delay} from now and yields the time then: Go's
     * {@code time.After}. It schedules nothing: the select that uses it compares the deadline with the clock, so it
     * costs nothing and holds nothing when the select ends another way, and can be reused as one fixed deadline
     * across several selects.
     *
     * @throws NullPointerException     if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public static Select.Clause<Instant> after(Duration delay) {
        long deadline = System.nanoTime() + Context.saturatedNanos(checkDelay(delay));
        return Select.deadline(deadline).map(ignored -> Instant.now());
    }

    private static Duration checkDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) throw new IllegalArgumentException("delay must not be negative, was " + delay);
        return delay;
    }

    /**
     * Waits until the timer fires and returns the time it fired.
     *
     * @throws ChannelClosedException if the timer was stopped before firing
     * @throws InterruptedException   if interrupted while waiting
     * @throws CancelledException     if the current context is done while waiting
     */
    public Instant receive() throws InterruptedException {
        return fired.receive();
    }

    /** A {@link Select} clause that receives the firing time; the select throws {@link ChannelClosedException} if
     * the timer was stopped before firing. */
    public Select.Clause<Instant> onFire() {
        return fired.onReceive();
    }

    /**
     * Stops the timer. Idempotent, never blocks.
     *
     * @return true if this call stopped the timer before it fired; false if it had already fired or been stopped
     */
    public boolean stop() {
        boolean stopped = stopBeforeFiring();
        lifetime.cancel(); // releases the registration with the owner's context
        return stopped;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public synchronized String toString() {
        return "timer after " + delay + (hasFired ? " (fired)" : schedule == null ? " (stopped)" : "");
    }

    /** On the timer thread. */
    private void fire() {
        synchronized (this) {
            if (schedule == null) return; // stopped meanwhile
            schedule = null;
            hasFired = true;
        }
        fired.trySend(Instant.now()); // never full: it fires once; never closed: only a stop before firing closes it
        lifetime.cancelWith(FIRED); // releases the registration with the owner's context
    }

    private static final CancelledException FIRED = CancelledException.stackless("timer fired", null);

    /** Also the lifetime's hook, run when the owner's context ends. True if this call stopped the timer. */
    private boolean stopBeforeFiring() {
        ScheduledFuture<?> s;
        synchronized (this) {
            s = schedule;
            if (s == null) return false; // fired, or stopped already
            schedule = null;
        }
        s.cancel(false);
        fired.close();
        return true;
    }
}
