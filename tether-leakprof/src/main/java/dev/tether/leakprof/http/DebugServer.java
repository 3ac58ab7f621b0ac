package dev.tether.leakprof.http;

import com.sun.net.httpserver.HttpServer;
import dev.tether.leakprof.LeakDetector;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small HTTP server, on the JDK's {@link HttpServer}, that serves {@link DebugHandler}'s {@code /debug/} tree:
 * Go's {@code /debug/pprof/} for Tether tasks and {@code /debug/leaks}.
 *
 * <pre>{@code
 * try (DebugServer debug = DebugServer.builder().port(6060).detector(detector).start()) {
 *     ...   // go tool pprof http://127.0.0.1:6060/debug/pprof/goroutine
 * }
 * }</pre>
 *
 * <p>It binds {@code 127.0.0.1} by default (port 0, any free port, unless given). Any other address, including the
 * wildcard {@code 0.0.0.0}, needs a {@linkplain Builder#bearerToken bearer token}: {@link Builder#start()} refuses to
 * start without one. Requests are served by at most {@value #THREADS} virtual threads, which end when idle; at most
 * {@value #QUEUE} more wait, and connections beyond that are closed. {@link #close()} stops the server and its
 * threads.
 */
public final class DebugServer implements AutoCloseable {

    static final int THREADS = 4;
    static final int QUEUE = 64;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DebugServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
        this.address = server.getAddress();
    }

    /** A builder: 127.0.0.1, any free port, no token, no detector, responses up to 64 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address the server listens on, with the actual port if port 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * The server's base URI, e.g. {@code http://127.0.0.1:6060/}; for a wildcard bind, through the loopback address.
     * The pprof index is {@code uri().resolve("debug/pprof/")}.
     */
    public URI uri() {
        InetAddress a = address.getAddress();
        if (a.isAnyLocalAddress()) a = InetAddress.getLoopbackAddress();
        String host = a.getHostAddress();
        if (host.indexOf(':') >= 0) host = "[" + host + "]";
        return URI.create("http://" + host + ":" + address.getPort() + "/");
    }

    /**
     * Stops accepting connections, gives requests in progress up to a second to finish, closes the connections and
     * ends the server's threads. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        server.stop(1); // returns as soon as no exchange is in progress, after a second at most
        executor.shutdown();
        boolean interrupted = false;
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                // A handler stuck on a client that stopped reading: its connection is closed, so this ends it.
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            interrupted = true;
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public String toString() {
        return "DebugServer " + uri();
    }

    /** Configures and starts a {@link DebugServer}. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private final DebugHandler.Builder handler = DebugHandler.builder();
        private boolean token;

        private Builder() {
        }

        /**
         * The address to listen on; default {@code 127.0.0.1}, port 0 (any free port). An address that is not a
         * loopback address needs a {@link #bearerToken}.
         */
        public Builder address(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Listens on {@code 127.0.0.1:port} (0 for any free port).
         *
         * @throws IllegalArgumentException if {@code port} is not in 0..65535
         */
        public Builder port(int port) {
            return address(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        /**
         * Requires {@code Authorization: Bearer <token>} on every request; needed to listen on anything but a
         * loopback address.
         *
         * @throws IllegalArgumentException if {@code token} is empty, blank or not visible ASCII
         */
        public Builder bearerToken(String token) {
            handler.bearerToken(token);
            this.token = token != null;
            return this;
        }

        /** The detector whose samples {@code /debug/leaks} shows; null (the default) for none. */
        public Builder detector(LeakDetector detector) {
            handler.detector(detector);
            return this;
        }

        /**
         * The bound on a response body; see {@link DebugHandler.Builder#maxResponseBytes}.
         *
         * @throws IllegalArgumentException if below {@value DebugHandler#MIN_MAX_RESPONSE_BYTES}
         */
        public Builder maxResponseBytes(long maxResponseBytes) {
            handler.maxResponseBytes(maxResponseBytes);
            return this;
        }

        /**
         * Binds the address and starts serving.
         *
         * @throws IllegalArgumentException if the address is not a loopback address and no bearer token is set, or
         *                                  its host name did not resolve
         * @throws IOException              if the address cannot be bound (in use, not local)
         */
        public DebugServer start() throws IOException {
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("DebugServer: cannot bind " + address.getHostString() + ":"
                        + address.getPort() + ": the host name did not resolve");
            }
            if (!address.getAddress().isLoopbackAddress() && !token) {
                throw new IllegalArgumentException("DebugServer: binding " + address.getAddress().getHostAddress()
                        + ":" + address.getPort() + ", which is not a loopback address, needs a bearer token, or"
                        + " anyone who can reach it sees every task's stack: configure"
                        + " DebugServer.builder().bearerToken(...) (clients then send \"Authorization: Bearer <token>\"),"
                        + " or bind 127.0.0.1");
            }
            DebugHandler h = handler.build();
            HttpServer server = HttpServer.create(address, 0);
            ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(QUEUE), Thread.ofVirtual().name("tether-debug-http-", 0).factory());
            executor.allowCoreThreadTimeOut(true); // an idle server holds no thread
            server.setExecutor(executor);
            server.createContext("/", h);
            try {
                server.start();
            } catch (RuntimeException | Error e) {
                server.stop(0);
                executor.shutdownNow();
                throw e;
            }
            return new DebugServer(server, executor);
        }
    }
}
