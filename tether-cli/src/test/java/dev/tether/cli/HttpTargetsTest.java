package dev.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskScope;
import dev.tether.leakprof.http.DebugServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Endpoints as targets: fetched concurrently, retried after failures that may pass, never waited on past the
 * timeout, each failure reported for its target while the others are scanned. Served from this JVM on loopback.
 */
class HttpTargetsTest {

    private HttpServer server;
    private ExecutorService handlers;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final AtomicInteger missingCalls = new AtomicInteger();
    private final AtomicInteger growingCalls = new AtomicInteger();
    private byte[] debug2;

    @BeforeEach
    void start() throws IOException {
        debug2 = Files.readAllBytes(Cli.fixtures().resolve("go/chanleaks.debug2.txt"));
        handlers = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        route("/ok/", x -> send(x, 200, debug2));
        route("/flaky/", x -> send(x, flakyCalls.getAndIncrement() == 0 ? 503 : 200,
                flakyCalls.get() == 1 ? "busy".getBytes() : debug2));
        route("/missing/", x -> {
            missingCalls.incrementAndGet();
            send(x, 404, "404 page not found".getBytes());
        });
        route("/hang/", x -> {
            try {
                release.await(30, TimeUnit.SECONDS); // bounded: the test releases it when done
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(x, 200, debug2);
        });
        route("/cut/", x -> send(x, 200, Arrays.copyOf(debug2, debug2.length / 2)));
        route("/garbage/", x -> send(x, 200, "<html>not a profile</html>\n".getBytes()));
        route("/growing/", x -> send(x, 200, growingCalls.getAndIncrement() == 0 ? debug2 : withMoreSenders(20)));
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        handlers.close();
    }

    private void route(String path, HttpHandler h) {
        server.createContext(path, x -> {
            try (x) {
                h.handle(x);
            }
        });
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(body);
        }
    }

    private String url(String prefix) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + prefix;
    }

    /** The chanleaks dump with {@code n} more forgotten senders (the first one's block repeated). */
    private byte[] withMoreSenders(int n) {
        String dump = new String(debug2);
        int at = dump.indexOf("main.fetchQuote.func1()");
        int start = dump.lastIndexOf("goroutine ", at);
        int end = dump.indexOf("\n\n", at) + 2;
        StringBuilder sb = new StringBuilder(dump);
        for (int i = 0; i < n; i++) sb.append(dump, start, end).replace(sb.length() - (end - start),
                sb.length() - (end - start) + "goroutine ".length(), "goroutine 9" + i + "0");
        return sb.toString().getBytes();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void everyFailureIsReportedForItsTargetAndTheRestIsScanned() throws IOException {
        long start = System.nanoTime();
        Cli c = Cli.run("--timeout", "1s", "--retries", "1", url("/ok/"), url("/flaky/"), url("/missing/"),
                url("/hang/"), url("/cut/"), url("/garbage/"), "http://127.0.0.1:" + closedPort() + "/");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        JsonNode in = c.json().get("instances");
        assertEquals("GO_DEBUG2", in.get(0).get("format").asText(), in.toString());
        assertEquals("GO_DEBUG2", in.get(1).get("format").asText(), "a 503 is retried: " + in.get(1));
        assertEquals(2, flakyCalls.get());
        assertEquals("HTTP 404: 404 page not found", in.get(2).get("error").asText());
        assertEquals(1, missingCalls.get(), "a 404 is not retried");
        assertEquals("timed out after 1 s (after 2 attempts)", in.get(3).get("error").asText());
        assertTrue(in.get(4).get("error").asText().contains("truncated"), in.get(4).toString());
        assertTrue(in.get(5).get("error").asText().contains("not a dump this reader knows"), in.get(5).toString());
        assertEquals("connection refused (after 2 attempts)", in.get(6).get("error").asText());
        assertEquals(80, c.site("main.fetchQuote.func1", 48).get("count").asInt(), "two instances of 40");
        assertEquals(1, c.exit());
        assertTrue(seconds < 20, "the hung endpoint cost two timeouts, not the test's 30 s: " + seconds + " s");
    }

    @Test
    void nothingScannedIsExitCodeTwo() throws IOException {
        Cli c = Cli.run("--timeout", "1s", "--retries", "0", url("/missing/"), "http://127.0.0.1:" + closedPort());
        assertEquals(2, c.exit(), c.out());
        assertEquals("connection refused", c.instance(1).get("error").asText());
    }

    @Test
    void intervalScansTwiceAndRanksByGrowth() {
        Cli c = Cli.run("--interval", "50ms", url("/growing/"));
        assertEquals(2, growingCalls.get());
        assertTrue(c.json().get("compared").asBoolean());
        JsonNode sender = c.site("main.fetchQuote.func1", 48);
        assertEquals(60, sender.get("count").asInt());
        assertEquals(20, sender.get("growth").asInt());
        assertEquals(sender, c.suspects().getFirst(), "ranked first by growth");
        assertTrue(c.out().contains("GROWTH") && c.out().contains("+20"), c.out());
        JsonNode receivers = c.site("main.(*subscriber[...]).waitForUpdate", 66);
        assertEquals(0, receivers.get("growth").asInt());
    }

    @Test
    void baselineFromAnEarlierReportGivesGrowth(@TempDir Path dir) {
        Path before = dir.resolve("before.json");
        assertEquals(1, Cli.plain("--json", before.toString(), url("/growing/")).exit());
        Cli c = Cli.run("--baseline", before.toString(), "--min-count", "1000", "--min-wait", "1h", url("/growing/"));
        JsonNode sender = c.site("main.fetchQuote.func1", 48);
        assertEquals(20, sender.get("growth").asInt());
        assertEquals(1, c.suspects().size(), "only growth makes a suspect here");
        assertEquals("grew by 20 >= 10", c.suspects().getFirst().get("why").get(0).asText());
    }

    @Test
    void aBaselineThatIsNoReportIsAUsageError(@TempDir Path dir) throws IOException {
        Path notJson = Files.writeString(dir.resolve("x.json"), "goroutine 1 [running]:\n");
        Cli c = Cli.plain("--baseline", notJson.toString(), url("/ok/"));
        assertEquals(2, c.exit());
        assertTrue(c.err().contains("not valid JSON"), c.err());
        Path other = Files.writeString(dir.resolve("y.json"), "{\"schema\": \"something/2\"}");
        Cli c2 = Cli.plain("--baseline", other.toString(), url("/ok/"));
        assertEquals(2, c2.exit());
        assertTrue(c2.err().contains("expected 'tether-leakprof-report/1'"), c2.err());
    }

    /** Tether's own debug endpoint, with tasks leaked at one line, and a bearer token. */
    @Test
    void scansTethersOwnEndpoint(@TempDir Path dir) throws Exception {
        int leaked = 25;
        CountDownLatch blocked = new CountDownLatch(leaked);
        Channel<Integer> nobody = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open("forgotten", Context.background());
             DebugServer endpoint = DebugServer.builder().bearerToken("s3cret").start()) {
            for (int i = 0; i < leaked; i++) {
                int v = i;
                scope.go(() -> {
                    blocked.countDown();
                    nobody.send(v); // LEAK-LINE
                });
            }
            assertTrue(blocked.await(10, TimeUnit.SECONDS));
            String target = endpoint.uri().toString();
            Cli denied = Cli.run(target);
            assertTrue(denied.instance(0).get("error").asText().startsWith("HTTP 401"), denied.out());
            Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
            for (String level : new String[]{"", "?debug=1", "?debug=0"}) {
                Cli c = Cli.run("--token-file", token.toString(), target + "debug/pprof/goroutine" + level);
                JsonNode site = null;
                for (JsonNode s : c.json().get("sites")) {
                    if (s.get("function").asText().startsWith(HttpTargetsTest.class.getName() + ".lambda")) site = s;
                }
                assertNotNull(site, level + "\n" + c.out());
                assertEquals(leaked, site.get("count").asInt(), level);
                assertEquals(leakLine(), site.get("line").asInt(), level);
                assertEquals("HttpTargetsTest.java", site.get("file").asText(), level);
                assertEquals("chan send", site.get("waitReason").asText(), level);
                assertEquals(1, c.exit(), level);
            }
            scope.cancel();
        }
    }

    private static int leakLine() throws IOException {
        String src = Files.readString(Path.of("src/test/java/dev/tether/cli/HttpTargetsTest.java"));
        String before = src.substring(0, src.indexOf("// LEAK-LINE"));
        return (int) before.chars().filter(ch -> ch == '\n').count() + 1;
    }
}
