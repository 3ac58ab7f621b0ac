package dev.tether.examples.checkout;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tether.CancelContext;
import dev.tether.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The checkout service: an HTTP server on the loopback interface whose {@code POST /checkout} validates an order
 * with {@link Checkout}, in the {@linkplain Variant leaky or the fixed version}.
 *
 * <h2>Protocol</h2>
 * The body is a form-encoded {@link Order} ({@code Content-Type: application/x-www-form-urlencoded}, at most
 * {@value #MAX_BODY_BYTES} bytes). The client states how long it will wait in the {@value #TIMEOUT_HEADER} header, in
 * milliseconds, as gRPC clients do with {@code grpc-timeout}; the server caps it at {@link #MAX_REQUEST_TIME} and uses
 * the cap when the header is absent. That budget becomes the request's context, so "the client gave up" and "the
 * handler's context is done" happen together. Answers: 200 accepted (a small JSON body), 403 rejected by risk, 502 a
 * downstream failed, 504 the deadline passed; 400, 404, 405, 413 and 415 for bad requests, with a message.
 *
 * <p>Handlers run on virtual threads, one per exchange. The server counts its answers by status ({@link #responses()}).
 * {@link #close()} stops it: it stops accepting, then waits for running handlers to return. In the leaky variant the
 * tasks they leaked are not theirs and survive it.
 */
public final class CheckoutServer implements AutoCloseable {
    /** The request header carrying the client's deadline in milliseconds from now. */
    public static final String TIMEOUT_HEADER = "X-Request-Timeout-Ms";
    /** The longest any request may take, and the budget of a request that states none. */
    public static final Duration MAX_REQUEST_TIME = Duration.ofSeconds(2);
    static final int MAX_BODY_BYTES = 4096;

    /** Which version of the validation the server runs. */
    public enum Variant {
        /** {@link Checkout#validateLeaky}: detached children, unbuffered channels. */
        LEAKY,
        /** {@link Checkout#validateFixed}: a group bound to the request's context, limit 3. */
        FIXED
    }

    private final Variant variant;
    private final Checkout checkout;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final Map<Integer, LongAdder> responses = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private CheckoutServer(Variant variant, Checkout checkout) throws IOException {
        this.variant = variant;
        this.checkout = checkout;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.createContext("/checkout", this::handle);
    }

    /**
     * Starts a server on an ephemeral port of the loopback interface.
     *
     * @throws IOException          if the server cannot bind
     * @throws NullPointerException if an argument is null
     */
    public static CheckoutServer start(Variant variant, Checkout checkout) throws IOException {
        CheckoutServer s = new CheckoutServer(Objects.requireNonNull(variant, "variant"),
                Objects.requireNonNull(checkout, "checkout"));
        s.server.start();
        return s;
    }

    /** The address of {@code POST /checkout}. */
    public URI checkoutUri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/checkout");
    }

    /** The variant this server runs. */
    public Variant variant() {
        return variant;
    }

    /** How many answers the server has given, by status code (including those the client no longer waited for). */
    public SortedMap<Integer, Long> responses() {
        SortedMap<Integer, Long> out = new TreeMap<>();
        responses.forEach((status, n) -> out.put(status, n.sum()));
        return out;
    }

    /** Stops accepting requests, then waits until every running handler has returned. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        server.stop(0);   // closes the listening socket and every connection: no new exchange can start
        handlers.close(); // waits for the handlers already running; each ends by its request's deadline
    }

    // ---- handling one exchange -------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Answer answer;
            try {
                answer = answer(exchange);
            } catch (InterruptedException e) { // the server is shutting down
                Thread.currentThread().interrupt();
                answer = Answer.text(503, "shutting down");
            }
            responses.computeIfAbsent(answer.status(), k -> new LongAdder()).increment();
            send(exchange, answer);
        } catch (IOException clientGone) {
            // The client stopped waiting and closed the connection: nobody to tell.
        }
    }

    private record Answer(int status, String contentType, String body) {
        static Answer text(int status, String message) {
            return new Answer(status, "text/plain; charset=utf-8", message + "\n");
        }
    }

    private Answer answer(HttpExchange exchange) throws IOException, InterruptedException {
        if (!exchange.getRequestURI().getPath().equals("/checkout")) return Answer.text(404, "not found");
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            return Answer.text(405, "use POST");
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.split(";", 2)[0].trim().equalsIgnoreCase("application/x-www-form-urlencoded")) {
            return Answer.text(415, "expected Content-Type application/x-www-form-urlencoded, got " + type);
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) return Answer.text(413, "body longer than " + MAX_BODY_BYTES + " bytes");
        Order order;
        Duration budget;
        try {
            order = Order.parseForm(new String(body, StandardCharsets.UTF_8).strip());
            budget = budget(exchange.getRequestHeaders().getFirst(TIMEOUT_HEADER));
        } catch (IllegalArgumentException e) {
            return Answer.text(400, e.getMessage());
        }

        // The request's context: done when the client's deadline passes. Closing it releases its timer at once.
        try (CancelContext requestCtx = Context.background().withTimeout(budget)) {
            Checkout.Verdict verdict = switch (variant) {
                case LEAKY -> checkout.validateLeaky(requestCtx, order);
                case FIXED -> checkout.validateFixed(requestCtx, order);
            };
            return switch (verdict) {
                case Checkout.Verdict.Accepted a -> new Answer(200, "application/json",
                        "{\"status\":\"accepted\",\"order\":\"" + order.id() + "\",\"discountCents\":"
                                + a.discountCents() + "}\n");
                case Checkout.Verdict.Rejected r -> Answer.text(r.status(), "rejected: " + r.reason());
                case Checkout.Verdict.DownstreamFailed f -> Answer.text(f.status(), "checkout failed: " + f.message());
                case Checkout.Verdict.DeadlineExceeded d -> Answer.text(d.status(), d.message());
            };
        }
    }

    /** The request's time budget: the client's stated deadline, capped by the server's. */
    private static Duration budget(String header) {
        if (header == null) return MAX_REQUEST_TIME;
        if (!header.matches("[0-9]{1,9}") || Long.parseLong(header) == 0) {
            throw new IllegalArgumentException(TIMEOUT_HEADER + " must be a positive number of milliseconds, was '"
                    + header + "'");
        }
        Duration stated = Duration.ofMillis(Long.parseLong(header));
        return stated.compareTo(MAX_REQUEST_TIME) < 0 ? stated : MAX_REQUEST_TIME;
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
