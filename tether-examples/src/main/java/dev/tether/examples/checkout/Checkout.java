package dev.tether.examples.checkout;

import dev.tether.CancelledException;
import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Group;
import dev.tether.Select;
import dev.tether.Task;
import dev.tether.TaskFailedException;
import dev.tether.examples.checkout.Downstreams.DownstreamException;
import dev.tether.examples.checkout.Downstreams.RiskResult;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;

/**
 * The checkout validation from "Goroutine Leaks in Go and How to Prevent Them": ask risk, inventory and promotions
 * about an order concurrently, and decide within the request's deadline. Two versions:
 * <ul>
 *   <li>{@link #validateLeaky}: the article's bug. Each call runs in a {@linkplain Task#detached detached} task
 *       (Go's {@code go func()} with {@code context.Background()}) that ignores the request's context and then sends
 *       its result on an unbuffered channel. When the handler stops listening (the deadline passed, or an early
 *       answer made the other results moot) nobody will ever receive, and each remaining child blocks in
 *       {@code chan send} for the rest of the process's life.
 *   <li>{@link #validateFixed}: the article's fix, errgroup with {@code SetLimit(3)}. The calls are tasks of a
 *       {@link Group} bound to the request's context; the first failure or the deadline cancels the others, and the
 *       group does not end until every call has. Nothing outlives the request.
 * </ul>
 * Both return a {@link Verdict}, which the server maps to a status code. Instances are safe to share between threads.
 */
public final class Checkout {
    private final Downstreams downstreams;
    /** Replies the leaky version stopped waiting for: each is a child blocked forever in chan send. */
    private final LongAdder abandonedReplies = new LongAdder();

    /** A checkout validating orders against {@code downstreams}. */
    public Checkout(Downstreams downstreams) {
        this.downstreams = downstreams;
    }

    /** The outcome of validating an order, with its HTTP status. */
    public sealed interface Verdict {
        /** The HTTP status code that reports this verdict. */
        int status();

        /** Every check passed: 200. */
        record Accepted(long discountCents) implements Verdict {
            @Override
            public int status() {
                return 200;
            }
        }

        /** The risk service rejected the order: 403. */
        record Rejected(String reason) implements Verdict {
            @Override
            public int status() {
                return 403;
            }
        }

        /** A downstream service failed: 502. */
        record DownstreamFailed(String message) implements Verdict {
            @Override
            public int status() {
                return 502;
            }
        }

        /** The request's deadline passed before every check had answered: 504. */
        record DeadlineExceeded(String message) implements Verdict {
            @Override
            public int status() {
                return 504;
            }
        }
    }

    /** What a leaky child sends to the handler: its call's result, or what the call threw (the seed's riskResponse). */
    private record Reply(Object result, Exception failure) {
    }

    /**
     * The seed's buggy handler, fanned out to three services. Returns as soon as the verdict is known: at the first
     * failure or rejection, or when {@code requestCtx} is done. Every reply not yet received at that moment leaks its
     * sender.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public Verdict validateLeaky(Context requestCtx, Order order) throws InterruptedException {
        Channel<Reply> riskCh = Channel.unbuffered();
        Channel<Reply> stockCh = Channel.unbuffered();
        Channel<Reply> promoCh = Channel.unbuffered();
        Task.detached("risk " + order.id(), () -> {
            Reply reply = reply(() -> downstreams.checkRisk(Context.background(), order));
            riskCh.send(reply); // LEAK: nobody receives once the handler has returned
        });
        Task.detached("inventory " + order.id(), () -> {
            Reply reply = reply(() -> {
                downstreams.reserveStock(Context.background(), order);
                return "reserved";
            });
            stockCh.send(reply); // LEAK: nobody receives once the handler has returned
        });
        Task.detached("promotions " + order.id(), () -> {
            Reply reply = reply(() -> downstreams.applyPromotions(Context.background(), order));
            promoCh.send(reply); // LEAK: nobody receives once the handler has returned
        });

        long discount = 0;
        for (int received = 0; received < 3; received++) {
            Reply reply = Select.select(
                    riskCh.onReceive(),
                    stockCh.onReceive(),
                    promoCh.onReceive(),
                    requestCtx.done().map(x -> (Reply) null));
            if (reply == null) {
                return abandoning(3 - received, new Verdict.DeadlineExceeded(
                        "request cancelled: " + requestCtx.err().getMessage()));
            }
            // An early answer leaks the senders still pending just as the deadline does.
            if (reply.failure() != null) {
                return abandoning(3 - (received + 1), new Verdict.DownstreamFailed(reply.failure().getMessage()));
            }
            if (reply.result() instanceof RiskResult risk && !risk.approved()) {
                return abandoning(3 - (received + 1), new Verdict.Rejected(risk.reason()));
            }
            if (reply.result() instanceof Long d) discount = d;
        }
        return new Verdict.Accepted(discount);
    }

    /** Returns {@code verdict}, counting the {@code pending} replies nobody will now receive. */
    private Verdict abandoning(int pending, Verdict verdict) {
        abandonedReplies.add(pending);
        return verdict;
    }

    /** Runs a leaky child's call; an interrupt is not a reply, so it ends the child instead. */
    private static Reply reply(Callable<?> call) throws InterruptedException {
        try {
            return new Reply(call.call(), null);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return new Reply(null, e);
        }
    }

    /**
     * The article's fix: the three calls are tasks of a group bound to {@code requestCtx}, at most three at once.
     * The first failure or rejection cancels the other calls; so does the request's deadline, and then the verdict
     * is {@link Verdict.DeadlineExceeded}. Returns only once every call has ended.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting; the calls are cancelled and
     *                              waited for first
     */
    public Verdict validateFixed(Context requestCtx, Order order) throws InterruptedException {
        try (Group g = Group.open("checkout " + order.id(), requestCtx)) {
            g.limit(3);
            Context ctx = g.context(); // done at the deadline, at the first failure, and when the group ends
            g.go("risk " + order.id(), () -> {
                RiskResult risk = downstreams.checkRisk(ctx, order);
                if (!risk.approved()) throw new RiskRejectedException(risk.reason()); // a failure: cancels the rest
            });
            g.go("inventory " + order.id(), () -> downstreams.reserveStock(ctx, order));
            Task<Long> discount = g.go("promotions " + order.id(), () -> downstreams.applyPromotions(ctx, order));
            g.join();
            return new Verdict.Accepted(discount.join());
        } catch (TaskFailedException e) {
            return switch (e.getCause()) {
                case RiskRejectedException r -> new Verdict.Rejected(r.getMessage());
                case DownstreamException d -> new Verdict.DownstreamFailed(d.getMessage());
                default -> throw e; // a bug, not an outcome
            };
        } catch (CancelledException e) {
            if (!requestCtx.isDone()) throw e; // cancelled by something other than the request: not ours to map
            return new Verdict.DeadlineExceeded("request cancelled: " + requestCtx.err().getMessage());
        }
    }

    /**
     * How many replies {@link #validateLeaky} has stopped waiting for, in total. Each is a child task that will block
     * in {@code chan send} for as long as the process lives: the expected number of leaked tasks.
     */
    public long abandonedReplies() {
        return abandonedReplies.sum();
    }

    /** The risk service said no: a failure of the group, so that the other checks are cancelled. */
    private static final class RiskRejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        RiskRejectedException(String reason) {
            super(reason);
        }
    }
}
