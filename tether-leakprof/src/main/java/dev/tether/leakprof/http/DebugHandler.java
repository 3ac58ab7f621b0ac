package dev.tether.leakprof.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import dev.tether.profile.Format;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Go's {@code net/http/pprof} for Tether tasks, as a {@link HttpHandler} for the JDK's HTTP server: mount it in your
 * own {@link com.sun.net.httpserver.HttpServer} (no servlet container needed), or let {@link DebugServer} run one.
 *
 * <pre>{@code
 * server.createContext("/", DebugHandler.builder().detector(detector).build());
 * // go tool pprof http://127.0.0.1:6060/debug/pprof/goroutine
 * }</pre>
 *
 * <h2>Endpoints</h2>
 * Paths are relative to the context the handler is mounted at: mounted at {@code /} it serves
 * {@code /debug/pprof/...}; at {@code /admin}, {@code /admin/debug/pprof/...}.
 * <ul>
 *   <li>{@code /debug/pprof/}: Go's HTML index (a count and a link per profile, the full dump link, descriptions).
 *       {@code /debug/pprof} redirects there (301), as Go's mux does.</li>
 *   <li>{@code /debug/pprof/goroutine?debug=N}: the live tasks ({@link dev.tether.profile.TaskSnapshots#capture()}).
 *       {@code debug=0} (the default) is the gzipped pprof protobuf that {@code go tool pprof} reads, with Go's headers
 *       {@code Content-Type: application/octet-stream} and
 *       {@code Content-Disposition: attachment; filename="goroutine"}; {@code debug=1} is Go's grouped text and
 *       {@code debug=2} one block per task, both {@code Content-Type: text/plain; charset=utf-8}. Every response has
 *       {@code X-Content-Type-Options: nosniff}.</li>
 *   <li>{@code /debug/pprof/goroutineleak?debug=N}: Go 1.26's leak profile, here the tasks the garbage collector
 *       proved leaked ({@link TaskRegistry#reclaimed()}, empty unless the JVM runs with
 *       {@code -Djdk.trackAllThreads=false}). Their threads are gone, so each has one frame, its blocking site, when
 *       it was recorded. As Go writes it: sample type {@code goroutineleak/count}, header
 *       {@code goroutineleak profile: total N}; debug=2 shows the wait reason followed by {@code (leaked)}.</li>
 *   <li>{@code /debug/leaks}: the {@link LeakDetector}'s latest sample as JSON, {@code application/json}, schema
 *       {@code tether-leaks/1}: {@code detector} ({@code running}, {@code periodMillis}, {@code minTasks},
 *       {@code minAgeMillis}, {@code errors}); {@code sample}, null until the detector's first sample, else
 *       {@code time}, {@code tookMicros}, {@code sequence}, {@code liveTasks}, {@code threadsScanned},
 *       {@code blockedByReason}, {@code provenLeakTotal}, {@code suspects} (each {@code kind}, {@code waitReason},
 *       {@code blockingSite}, {@code count}, {@code total}, {@code oldestWaitMillis}, {@code growth},
 *       {@code creationSite}, {@code stack}, {@code estimated}), {@code suspectsOmitted}, {@code provenLeaks} (each
 *       {@code waitReason}, {@code blockingSite}, {@code creationSite}, {@code count}, {@code newCount},
 *       {@code longestWaitMillis}, {@code lastTaskId}), {@code provenLeaksOmitted}; and {@code truncated}. Frames are
 *       {@code {"function", "file", "line"}}. {@code ?refresh=1} takes a sample first ({@link LeakDetector#sampleNow()}).
 *       Without a configured detector this path is a 404 whose message says so.</li>
 * </ul>
 *
 * <h2>Parameters and errors</h2>
 * Stricter than Go, which ignores what it cannot parse: {@code debug} must be {@code 0}, {@code 1} or {@code 2};
 * {@code gc}, which Go ignores for these profiles, is accepted if it is an integer, and ignored; {@code seconds} (a
 * delta profile, which Go computes for goroutine) is refused, as is any other parameter, a parameter given twice or a
 * malformed query. All of those are 400s whose one-line message says what was wrong and what is expected. Errors are
 * answered as Go's {@code serveError} does: {@code text/plain; charset=utf-8}, and {@code X-Go-Pprof: 1} under
 * {@code /debug/pprof/}. An unknown profile is Go's 404 {@code Unknown profile}; a path outside the tree, Go's
 * {@code 404 page not found}. Methods other than GET and HEAD are 405s with {@code Allow: GET, HEAD}.
 *
 * <h2>Access</h2>
 * With a {@linkplain Builder#bearerToken bearer token}, every request must send {@code Authorization: Bearer <token>}
 * (compared in constant time); otherwise it is a 401 with {@code WWW-Authenticate: Bearer}, whatever the path.
 * Without a token, the handler answers only requests that reached the server on a loopback address, and others with
 * a 403: mounted in a server listening on a public address, it needs a token.
 *
 * <h2>Bounds</h2>
 * No response body exceeds {@link Builder#maxResponseBytes} (default 64 MiB). Text is cut at the end of the last
 * whole block that fits and ends with a line starting {@code # tether: truncated}. The pprof profile must be whole to
 * be valid, so it is built in memory up to the bound, and if larger answered with a 500 that says to ask for
 * {@code debug=1} or raise the limit (the capture groups tasks above ten thousand, so this takes millions of distinct
 * stacks). The JSON leaves out whole suspects and proven leaks and counts them. Request input is never buffered beyond
 * what the server read of the request line.
 *
 * <h2>What it shows</h2>
 * Task and owner names, ids, states and wait reasons, stacks, creation and blocking sites — the content of a Go
 * goroutine dump. Never context values, task results, arguments, environment, the command line or process details.
 *
 * <p>Thread-safe: one handler serves any number of concurrent requests.
 */
public final class DebugHandler implements HttpHandler {

    /** The default bound on a response body: 64 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L << 20;
    /** The smallest bound accepted: room for a truncation marker, an error message or the JSON's fixed part. */
    public static final long MIN_MAX_RESPONSE_BYTES = 1024;

    private static final System.Logger LOG = System.getLogger(DebugHandler.class.getName());
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PPROF = "/debug/pprof/";
    private static final String LEAKS = "/debug/leaks";
    private static final Set<String> PROFILE_PARAMETERS = Set.of("debug", "gc", "seconds");
    private static final String PROFILE_ACCEPTS = "this profile accepts \"debug\" (0, 1 or 2) and \"gc\" (ignored)";
    private static final String TRUNCATED_HINT = "debug=1 groups identical stacks, or raise maxResponseBytes";

    private final LeakDetector detector;
    private final byte[] tokenDigest;
    private final long maxResponseBytes;

    private DebugHandler(Builder b) {
        this.detector = b.detector;
        this.tokenDigest = b.token == null ? null : sha256(b.token);
        this.maxResponseBytes = b.maxResponseBytes;
    }

    /** A builder: no detector, no token (loopback requests only), responses up to 64 MiB. */
    public static Builder builder() {
        return new Builder();
    }

    /** Answers one request; see the class comment. Never throws: failures are logged and answered with a 500. */
    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                serve(exchange);
            } catch (HttpError e) {
                error(exchange, e);
            } catch (BoundedText.Truncated e) {
                // The text was cut and the marker written: the response is complete.
            } catch (IOException e) {
                // The client went away, or the server is stopping: there is nobody to answer.
                LOG.log(System.Logger.Level.DEBUG, "debug endpoint: request ended early", e);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "debug endpoint: request failed", e);
                if (exchange.getResponseCode() == -1) {
                    error(exchange, HttpError.plain(500, "internal error; see the application's log"));
                }
            }
        }
    }

    private void serve(HttpExchange ex) throws IOException, HttpError {
        Headers h = ex.getResponseHeaders();
        h.set("X-Content-Type-Options", "nosniff");
        authorize(ex);
        String method = ex.getRequestMethod();
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            throw HttpError.plain(405, "method " + (method.matches("[A-Z]{1,16}") ? method + " " : "")
                    + "not allowed: the debug endpoint is read-only (GET or HEAD)").with("Allow", "GET, HEAD");
        }
        String base = ex.getHttpContext().getPath();
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        String path = ex.getRequestURI().getPath();
        if (path == null || !path.startsWith(base)) throw notFound();
        String rel = path.substring(base.length());
        String query = ex.getRequestURI().getRawQuery();
        if (rel.equals("/debug/pprof")) {
            h.set("Location", base + PPROF + (query == null ? "" : "?" + query));
            ex.sendResponseHeaders(301, -1);
        } else if (rel.equals(PPROF)) {
            Query.parse(query, Set.of(), "the index takes no parameters", true);
            index(ex, head);
        } else if (rel.startsWith(PPROF)) {
            profile(ex, rel.substring(PPROF.length()), query, head);
        } else if (rel.equals(LEAKS)) {
            leaks(ex, query, head);
        } else {
            throw notFound();
        }
    }

    /** Go's {@code http.NotFound}. */
    private static HttpError notFound() {
        return HttpError.plain(404, "404 page not found");
    }

    // ---- access ----------------------------------------------------------------------------------------------

    private void authorize(HttpExchange ex) throws HttpError {
        if (tokenDigest == null) {
            InetSocketAddress local = ex.getLocalAddress();
            InetAddress address = local == null ? null : local.getAddress();
            if (address == null || !address.isLoopbackAddress()) {
                throw HttpError.plain(403, "forbidden: without a bearer token this debug endpoint answers only on a"
                        + " loopback address; configure a token (DebugHandler.builder().bearerToken(...))");
            }
            return;
        }
        List<String> values = ex.getRequestHeaders().get("Authorization");
        String presented = values == null || values.size() != 1 ? null : bearer(values.getFirst());
        if (presented == null) {
            throw HttpError.plain(401, "unauthorized: send the header \"Authorization: Bearer <token>\"")
                    .with("WWW-Authenticate", "Bearer realm=\"tether-debug\"");
        }
        // Digests of equal length, compared in constant time: neither the token's content nor its length leaks.
        if (!MessageDigest.isEqual(tokenDigest, sha256(presented))) {
            throw HttpError.plain(401, "unauthorized: wrong bearer token")
                    .with("WWW-Authenticate", "Bearer realm=\"tether-debug\", error=\"invalid_token\"");
        }
    }

    /** The token of an {@code Authorization: Bearer <token>} value (scheme case-insensitive), or null. */
    private static String bearer(String value) {
        String v = value.strip();
        if (v.length() < 7 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String token = v.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    // ---- /debug/pprof/ ---------------------------------------------------------------------------------------

    private void index(HttpExchange ex, boolean head) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        if (head) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        String leakDescription = "Tether tasks the garbage collector proved leaked: blocked on something nothing can"
                + " reach any more. Each shows its blocking site as its only frame."
                + (TaskRegistry.provesLeaks() ? "" : " Always empty in this JVM: start it with"
                + " -Djdk.trackAllThreads=false to let the collector prove leaks.");
        StringBuilder b = new StringBuilder(2048);
        // Go's index page, with the two profiles served here.
        b.append("""
                <html>
                <head>
                <title>/debug/pprof/</title>
                <style>
                .profile-name{
                \tdisplay:inline-block;
                \twidth:6rem;
                }
                </style>
                </head>
                <body>
                /debug/pprof/
                <br>
                <p>Set debug=1 as a query parameter to export in legacy text format</p>
                <br>
                Types of profiles available:
                <table>
                <thead><td>Count</td><td>Profile</td></thead>
                """);
        b.append("<tr><td>").append(TaskRegistry.count()).append("</td><td><a href='goroutine?debug=1'>goroutine</a>")
                .append("</td></tr>\n");
        b.append("<tr><td>").append(TaskRegistry.reclaimed().size())
                .append("</td><td><a href='goroutineleak?debug=1'>goroutineleak</a></td></tr>\n");
        b.append("""
                </table>
                <a href="goroutine?debug=2">full goroutine stack dump</a>
                <br>
                <p>
                Profile Descriptions:
                <ul>
                <li><div class=profile-name>goroutine: </div> Stack traces of all current Tether tasks (goroutines). \
                Use debug=2 as a query parameter to export in the same format as an unrecovered panic.</li>
                """);
        b.append("<li><div class=profile-name>goroutineleak: </div> ").append(leakDescription).append("</li>\n");
        b.append("</ul>\n</p>\n");
        if (detector != null) {
            b.append("<p><a href=\"../leaks\">/debug/leaks</a>: the leak detector's latest sample (JSON)</p>\n");
        }
        b.append("</body>\n</html>");
        ex.sendResponseHeaders(200, 0);
        BoundedText out = new BoundedText(ex.getResponseBody(), maxResponseBytes, "raise maxResponseBytes");
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.finish();
    }

    private void profile(HttpExchange ex, String name, String rawQuery, boolean head) throws IOException, HttpError {
        boolean leaked = switch (name) {
            case Profiles.GOROUTINE -> false;
            case Profiles.GOROUTINE_LEAK -> true;
            default -> throw HttpError.pprof(404, "Unknown profile");
        };
        Query q = Query.parse(rawQuery, PROFILE_PARAMETERS, PROFILE_ACCEPTS, true);
        String seconds = q.get("seconds");
        if (seconds != null) {
            if (!isInteger(seconds) || Long.parseLong(seconds) <= 0) {
                throw HttpError.pprof(400, "invalid value for \"seconds\" - must be a positive integer");
            }
            throw HttpError.pprof(400, "\"seconds\" parameter is not supported for this profile type: Tether does not"
                    + " compute delta profiles; take two profiles and compare them with go tool pprof -diff_base");
        }
        String gc = q.get("gc");
        if (gc != null && !isInteger(gc)) {
            throw HttpError.pprof(400, "invalid value for \"gc\" - must be an integer (it is ignored for this profile)");
        }
        String d = q.get("debug");
        int debug;
        if (d == null || d.equals("0")) debug = 0;
        else if (d.equals("1")) debug = 1;
        else if (d.equals("2")) debug = 2;
        else throw HttpError.pprof(400, "invalid value for \"debug\" - must be 0 (pprof protobuf), 1 (grouped text) or"
                    + " 2 (every task's stack)");

        Headers h = ex.getResponseHeaders();
        if (debug == 0) {
            byte[] body = null;
            if (!head) {
                BoundedBuffer buf = new BoundedBuffer(maxResponseBytes);
                try {
                    if (leaked) Profiles.writeLeakPprof(Profiles.leaked(TaskRegistry.reclaimed(), false), buf);
                    else Snapshots.write(Profiles.goroutines(), Format.GO_PPROF, buf);
                } catch (BoundedBuffer.TooLarge e) {
                    // A cut protobuf is not a profile: say so rather than send one.
                    throw HttpError.pprof(500, "the " + name + " profile is larger than maxResponseBytes ("
                            + maxResponseBytes + " bytes): ask for debug=1, which is cut to fit, or raise the limit");
                }
                body = buf.toByteArray();
            }
            h.set("Content-Type", "application/octet-stream");
            h.set("Content-Disposition", "attachment; filename=\"" + name + "\"");
            ex.sendResponseHeaders(200, head ? -1 : body.length);
            if (body != null) ex.getResponseBody().write(body);
            return;
        }
        h.set("Content-Type", TEXT);
        if (head) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        Snapshot s = leaked ? Profiles.leaked(TaskRegistry.reclaimed(), debug == 2) : Profiles.goroutines();
        ex.sendResponseHeaders(200, 0);
        BoundedText out = new BoundedText(ex.getResponseBody(), maxResponseBytes, TRUNCATED_HINT);
        if (leaked && debug == 1) Profiles.writeLeakDebug1(s, out);
        else Snapshots.write(s, debug == 1 ? Format.GO_DEBUG1 : Format.GO_DEBUG2, out);
        out.finish();
    }

    /** An optionally signed decimal integer that fits in a long, as Go's {@code strconv.Atoi} accepts. */
    private static boolean isInteger(String s) {
        return s.matches("[+-]?[0-9]{1,18}");
    }

    // ---- /debug/leaks ----------------------------------------------------------------------------------------

    private void leaks(HttpExchange ex, String rawQuery, boolean head) throws IOException, HttpError {
        Query q = Query.parse(rawQuery, Set.of("refresh"), "/debug/leaks accepts \"refresh\" (0 or 1)", false);
        if (detector == null) {
            throw HttpError.plain(404, "no leak detector: this endpoint was configured without one (add"
                    + " .detector(LeakDetector) to its builder)");
        }
        String r = q.get("refresh");
        boolean refresh;
        if (r == null || r.equals("0") || r.equals("false")) refresh = false;
        else if (r.equals("1") || r.equals("true")) refresh = true;
        else throw HttpError.plain(400, "invalid value for \"refresh\" - must be 1 (take a sample now) or 0");
        Sample sample;
        if (refresh && !head) {
            if (!detector.isRunning()) {
                throw HttpError.plain(503, "the leak detector is closed: refresh=1 cannot take a sample (without it,"
                        + " its last sample is shown)");
            }
            try {
                sample = detector.sampleNow();
            } catch (IllegalStateException e) {
                throw HttpError.plain(503, "the leak detector is closed: refresh=1 cannot take a sample");
            } catch (RuntimeException e) {
                // Logged and counted by the detector; its message is not ours to show.
                throw HttpError.plain(500, "the leak detector's sample failed (" + detector.errors()
                        + " failures so far); see the application's log");
            }
        } else {
            sample = detector.latest().orElse(null);
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (head) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, 0);
        LeaksJson.write(detector, sample, ex.getResponseBody(), maxResponseBytes);
    }

    // ---- errors ----------------------------------------------------------------------------------------------

    /** Answers {@code e} as Go's {@code serveError} does (plain text, {@code X-Go-Pprof} for pprof paths). */
    private static void error(HttpExchange ex, HttpError e) {
        try {
            Headers h = ex.getResponseHeaders();
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Content-Type", TEXT);
            h.remove("Content-Disposition");
            h.remove("Location");
            if (e.pprof) h.set("X-Go-Pprof", "1");
            if (e.header != null) h.set(e.header, e.headerValue);
            byte[] body = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(e.status, head ? -1 : body.length);
            if (!head) {
                OutputStream out = ex.getResponseBody();
                out.write(body);
            }
        } catch (IOException io) {
            LOG.log(System.Logger.Level.DEBUG, "debug endpoint: could not send an error response", io);
        }
    }

    /** Configures a {@link DebugHandler}. */
    public static final class Builder {
        private LeakDetector detector;
        private String token;
        private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

        private Builder() {
        }

        /** The detector whose samples {@code /debug/leaks} shows; null (the default) for none. */
        public Builder detector(LeakDetector detector) {
            this.detector = detector;
            return this;
        }

        /**
         * Requires {@code Authorization: Bearer <token>} on every request; null (the default) for no token, which
         * limits the handler to requests received on a loopback address.
         *
         * @throws IllegalArgumentException if {@code token} is empty, blank, or has characters other than visible
         *                                  ASCII (it could never be sent in a header)
         */
        public Builder bearerToken(String token) {
            this.token = token == null ? null : checkToken(token);
            return this;
        }

        /**
         * The bound on a response body, in bytes; default {@value #DEFAULT_MAX_RESPONSE_BYTES} (64 MiB).
         *
         * @throws IllegalArgumentException if below {@value #MIN_MAX_RESPONSE_BYTES}
         */
        public Builder maxResponseBytes(long maxResponseBytes) {
            if (maxResponseBytes < MIN_MAX_RESPONSE_BYTES) {
                throw new IllegalArgumentException("maxResponseBytes must be at least " + MIN_MAX_RESPONSE_BYTES
                        + " (room for an error message or a truncation marker), was " + maxResponseBytes);
            }
            this.maxResponseBytes = maxResponseBytes;
            return this;
        }

        /** A handler with this configuration. */
        public DebugHandler build() {
            return new DebugHandler(this);
        }

        static String checkToken(String token) {
            Objects.requireNonNull(token, "token");
            if (token.isBlank()) throw new IllegalArgumentException("the bearer token must not be empty or blank");
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c <= 0x20 || c >= 0x7f) {
                    throw new IllegalArgumentException("the bearer token must be visible ASCII characters, without"
                            + " spaces (it is sent in an HTTP header); found character " + (int) c + " at index " + i);
                }
            }
            return token;
        }
    }
}
