package dev.tether.examples.checkout;

import dev.tether.Context;
import dev.tether.Group;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends a batch of checkout requests with short deadlines, a bounded number at a time, and counts what came back:
 * the impatient clients that make a service's timeout path its common path.
 *
 * <p>Each request states its deadline in {@link CheckoutServer#TIMEOUT_HEADER} and the client waits that long plus
 * {@link #TRANSPORT_GRACE}, so that the server's 504 usually arrives; a client that still hears nothing gives up and
 * counts a {@linkplain Report#clientTimeouts() client timeout}. The requests run as tasks of a {@link Group} with a
 * limit, Go's errgroup with {@code SetLimit}: at most {@link Plan#concurrency()} are in flight, and
 * {@link #run} returns only once all have ended.
 */
public final class LoadDriver {
    /** How much longer than its stated deadline a client waits for the answer to arrive. */
    public static final Duration TRANSPORT_GRACE = Duration.ofMillis(25);

    private LoadDriver() {
    }

    /**
     * What to send.
     *
     * @param batch       prefix of the order ids ({@code batch-0}, {@code batch-1}, ...), so batches differ
     * @param requests    how many requests to send
     * @param concurrency how many may be in flight at once
     * @param deadline    the deadline each request states
     */
    public record Plan(String batch, int requests, int concurrency, Duration deadline) {
        /** Checks the values. */
        public Plan {
            Objects.requireNonNull(batch, "batch");
            Objects.requireNonNull(deadline, "deadline");
            if (requests < 0 || concurrency < 1 || deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("need requests >= 0, concurrency >= 1 and a positive deadline: "
                        + requests + ", " + concurrency + ", " + deadline);
            }
        }
    }

    /**
     * What came back.
     *
     * @param sent           requests sent
     * @param byStatus       answers received, by status code
     * @param clientTimeouts requests whose answer did not arrive in time
     * @param errors         requests that failed otherwise (connection refused or reset, ...)
     * @param elapsed        how long the batch took
     */
    public record Report(int sent, SortedMap<Integer, Integer> byStatus, int clientTimeouts, int errors,
                         Duration elapsed) {
        /** Answers received with {@code status}. */
        public int count(int status) {
            return byStatus.getOrDefault(status, 0);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder().append(sent).append(" requests in ").append(elapsed.toMillis())
                    .append(" ms:");
            byStatus.forEach((status, n) -> sb.append(' ').append(status).append(" x").append(n).append(','));
            return sb.append(" client timeout x").append(clientTimeouts).append(", error x").append(errors)
                    .toString();
        }
    }

    /**
     * Sends the batch to {@code uri} and waits for every request to end.
     *
     * @throws InterruptedException if interrupted; the requests in flight are cancelled and waited for first
     */
    public static Report run(URI uri, Plan plan) throws InterruptedException {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(plan, "plan");
        Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             Group requests = Group.open("load " + plan.batch(), Context.background())) {
            requests.limit(plan.concurrency());
            for (int i = 0; i < plan.requests(); i++) {
                HttpRequest request = request(uri, plan, i);
                requests.go(() -> { // waits for a free slot: at most plan.concurrency() requests in flight
                    try {
                        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        byStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    } catch (HttpTimeoutException e) {
                        timeouts.incrementAndGet();
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    }
                });
            }
            requests.join();
        }
        SortedMap<Integer, Integer> counts = new TreeMap<>();
        byStatus.forEach((status, n) -> counts.put(status, n.get()));
        return new Report(plan.requests(), counts, timeouts.get(), errors.get(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** The {@code i}-th order of the batch: about 5% are above the risk limit. */
    static Order order(Plan plan, int i) {
        long totalCents = 500 + (i * 7919L) % (Downstreams.RISK_LIMIT_CENTS + 10_000);
        return new Order(plan.batch() + "-" + i, "u-" + (i % 97), totalCents);
    }

    private static HttpRequest request(URI uri, Plan plan, int i) {
        return HttpRequest.newBuilder(uri)
                .timeout(plan.deadline().plus(TRANSPORT_GRACE))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(CheckoutServer.TIMEOUT_HEADER, Long.toString(plan.deadline().toMillis()))
                .POST(HttpRequest.BodyPublishers.ofString(order(plan, i).toForm()))
                .build();
    }
}
