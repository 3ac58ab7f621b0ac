package dev.tether;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers the time at a fixed period until stopped: Go's {@code time.Ticker}, with an owner.
 *
 * <pre>{@code
 * try (Ticker ticker = Ticker.start(Duration.ofSeconds(1))) {   // inside a task: stops when the task ends
 *     for (;;) {
 *         Select.select(ticker.onTick().map(t -> flush()), jobs.onReceive().map(this::add));
 *     }
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A ticker is bound to a context and is stopped when that context is done: started inside a task, it stops
 *       when the task ends, so Go's "ticker never stopped" leak cannot happen. A ticker therefore needs a context
 *       that can end; {@link #start(Duration)} refuses one whose current context is {@link Context#background()}.
 *   <li>Like Go's, a ticker holds at most one undelivered tick: a consumer slower than the period gets the
 *       latest-but-one tick when it comes back, and the ticks in between are dropped (counted by
 *       {@link #dropped()}), never queued without bound.
 *   <li>{@link #stop()} (and {@link #close()}) is idempotent. After it no tick is delivered, and
 *       {@link #receive()} throws {@link ChannelClosedException} instead of blocking forever (a stopped Go ticker
 *       leaves its receivers blocked; a stopped Tether ticker releases them). A tick already waiting is discarded.
 * </ul>
 *
 * <p>Ticks are produced by Tether's one timer thread, which costs nothing between ticks and ends when no timer is
 * left. A ticker is safe to use from several threads.
 */
public final class Ticker implements AutoCloseable {
    private final Channel<Instant> ticks = Channel.buffered(1);
    private final AtomicLong dropped = new AtomicLong();
    /** Ends the ticker: cancelled by {@link #stop()} or by its parent's end; its hook does the stopping. */
    private final HookContext lifetime;
    /** Guarded by this; null once stopped. */
    private ScheduledFuture<?> schedule;
    private Duration period;

    private Ticker(Context owner, Duration period) {
        this.period = period;
        synchronized (this) {
            this.lifetime = new HookContext(owner, this::stopped);
            if (!lifetime.isDone()) schedule = Timers.scheduleAtFixedRate(this::tick, period.toNanos());
        }
    }

    /**
     * Starts a ticker bound to the {@linkplain Context#current() current context}, delivering the time every
     * {@code period}.
     *
     * @throws NullPointerException     if {@code period} is null
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws IllegalStateException    if the current context can never be done (no owner would ever stop the
     *                                  ticker): start it inside a task or scope, or pass a cancellable context
     */
    public static Ticker start(Duration period) {
        Context owner = Context.current();
        if (owner.cancelSource() == null) {
            throw new IllegalStateException("a ticker needs an owner that ends: the current context is "
                    + owner + ", which is never done. Start the ticker inside a task or a scope, or pass a "
                    + "cancellable context to Ticker.start(Context, Duration) and stop it with close()");
        }
        return new Ticker(owner, checkPeriod(period));
    }

    /**
     * Starts a ticker bound to {@code owner}: it stops when {@code owner} is done, or when {@link #stop()}ped.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code period} is not positive
     */
    public static Ticker start(Context owner, Duration period) {
        return new Ticker(Objects.requireNonNull(owner, "owner"), checkPeriod(period));
    }

    private static Duration checkPeriod(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        return period;
    }

    /**
     * Waits for the next tick and returns its time.
     *
     * @throws ChannelClosedException if the ticker is or becomes stopped
     * @throws InterruptedException   if interrupted while waiting
     * @throws CancelledException     if the current context is done while waiting
     */
    public Instant receive() throws InterruptedException {
        return ticks.receive();
    }

    /** A {@link Select} clause that receives the next tick; the select throws {@link ChannelClosedException} once
     * the ticker is stopped. */
    public Select.Clause<Instant> onTick() {
        return ticks.onReceive();
    }

    /**
     * Changes the period; the next tick comes one new period from now (Go's {@code Reset}).
     *
     * @throws NullPointerException     if {@code period} is null
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws IllegalStateException    if the ticker is stopped
     */
    public void reset(Duration period) {
        checkPeriod(period);
        synchronized (this) {
            if (schedule == null) throw new IllegalStateException("cannot reset a stopped ticker");
            schedule.cancel(false);
            schedule = Timers.scheduleAtFixedRate(this::tick, period.toNanos());
            this.period = period;
        }
    }

    /** Stops the ticker; see the class comment. Idempotent, never blocks. */
    public void stop() {
        lifetime.cancel();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** True once the ticker is stopped, by {@link #stop()} or by the end of its context. */
    public boolean isStopped() {
        return lifetime.isDone();
    }

    /** How many ticks were dropped because the previous one had not been received yet. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public synchronized String toString() {
        return "ticker every " + period + (schedule == null ? " (stopped)" : "");
    }

    /** On the timer thread: offers one tick, dropping it if the last one is still unreceived. */
    private void tick() {
        try {
            if (!ticks.trySend(Instant.now())) dropped.incrementAndGet();
        } catch (ChannelClosedException stoppedMeanwhile) {
            // stop() won the race with this tick; nothing to deliver
        }
    }

    /** The lifetime's hook, run once by whoever ends it. */
    private void stopped() {
        ScheduledFuture<?> s;
        synchronized (this) {
            s = schedule;
            schedule = null;
        }
        if (s != null) s.cancel(false);
        ticks.close();
        try {
            ticks.tryReceive(); // a tick still waiting must not be received after stop
        } catch (ChannelClosedException drained) {
            // nothing was waiting
        }
    }
}
