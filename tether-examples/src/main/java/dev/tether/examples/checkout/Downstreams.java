package dev.tether.examples.checkout;

import dev.tether.CancelledException;
import dev.tether.Context;
import dev.tether.Select;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The three services checkout depends on (risk, inventory and promotions), simulated in-process.
 *
 * <p>Every call waits a simulated network latency and honours its context as a well-behaved client library does:
 * when {@code ctx} is done it stops waiting and throws {@link CancelledException}. A call given
 * {@link Context#background()} therefore runs to the end however long it takes, which is the leaky version's
 * mistake.
 *
 * <p>Latency and failures are drawn from a random generator seeded with the seed, the service and the order id, so
 * one order meets the same downstream behaviour on every run, however requests interleave:
 * <ul>
 *   <li>{@value #SLOW_PERCENT}% of calls are slow, {@value #SLOW_MIN_MS} to {@value #SLOW_MAX_MS} ms: far beyond
 *       the tens of milliseconds a client waits. The others take {@value #FAST_MIN_MS} to {@value #FAST_MAX_MS} ms.
 *   <li>{@value #FAILURE_PERCENT}% of calls fail with {@link DownstreamException} once their latency has passed.
 *   <li>The risk service rejects orders above {@link #RISK_LIMIT_CENTS}; promotions grant 5% off to some orders.
 * </ul>
 * Instances are immutable and safe to share between threads.
 */
public final class Downstreams {
    /** Orders above this total (2,000.00) are rejected by the risk service. */
    public static final long RISK_LIMIT_CENTS = 200_000;
    static final int SLOW_PERCENT = 8;
    static final int SLOW_MIN_MS = 150;
    static final int SLOW_MAX_MS = 400;
    static final int FAST_MIN_MS = 2;
    static final int FAST_MAX_MS = 12;
    static final int FAILURE_PERCENT = 1;

    private final long seed;

    /** Simulated services whose behaviour is determined by {@code seed}. */
    public Downstreams(long seed) {
        this.seed = seed;
    }

    /** The risk service's decision on an order (the seed's {@code RiskResult}). */
    public record RiskResult(boolean approved, String reason) {
    }

    /** A downstream service failed: the checkout answers 502. */
    public static final class DownstreamException extends Exception {
        private static final long serialVersionUID = 1L;

        DownstreamException(String message) {
            super(message);
        }
    }

    /**
     * Asks the risk service about {@code order}.
     *
     * @throws CancelledException   if {@code ctx} is done first
     * @throws DownstreamException  if the simulated call fails
     * @throws InterruptedException if the calling thread is interrupted
     */
    public RiskResult checkRisk(Context ctx, Order order) throws InterruptedException, DownstreamException {
        call(ctx, "risk", order);
        return order.totalCents() > RISK_LIMIT_CENTS
                ? new RiskResult(false, "total above the automatic approval limit")
                : new RiskResult(true, "ok");
    }

    /** Reserves stock for {@code order}; throws as {@link #checkRisk} does. */
    public void reserveStock(Context ctx, Order order) throws InterruptedException, DownstreamException {
        call(ctx, "inventory", order);
    }

    /** Applies promotions to {@code order} and returns the discount in cents; throws as {@link #checkRisk} does. */
    public long applyPromotions(Context ctx, Order order) throws InterruptedException, DownstreamException {
        call(ctx, "promotions", order);
        return random("promotions-discount", order).nextInt(4) == 0 ? order.totalCents() / 20 : 0;
    }

    /** The latency {@code service} takes for {@code order}. */
    Duration latency(String service, Order order) {
        SplittableRandom r = random(service, order);
        boolean slow = r.nextInt(100) < SLOW_PERCENT;
        return Duration.ofMillis(slow ? r.nextInt(SLOW_MIN_MS, SLOW_MAX_MS + 1)
                : r.nextInt(FAST_MIN_MS, FAST_MAX_MS + 1));
    }

    /** Whether {@code service}'s call for {@code order} fails. */
    boolean fails(String service, Order order) {
        return random(service + "-failure", order).nextInt(100) < FAILURE_PERCENT;
    }

    private SplittableRandom random(String stream, Order order) {
        // SplittableRandom scrambles its seed, so a plain combination of the hashes is random enough here.
        return new SplittableRandom(seed ^ (31L * stream.hashCode() + order.id().hashCode()) * 0x9E3779B97F4A7C15L);
    }

    /** Waits the call's latency, or until {@code ctx} is done; then fails it if it is one of the failing calls. */
    private void call(Context ctx, String service, Order order) throws InterruptedException, DownstreamException {
        boolean abandoned = Select.select(
                Select.timeout(latency(service, order)).map(x -> false),
                ctx.done().map(x -> true));
        if (abandoned) {
            throw new CancelledException(service + " call abandoned: " + ctx.err().getMessage(), ctx.cause());
        }
        if (fails(service, order)) throw new DownstreamException(service + " unavailable");
    }
}
