package dev.tether.leakprof.http;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskScope;
import dev.tether.profile.Entry;
import dev.tether.profile.Format;
import dev.tether.profile.Frame;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.leakprof.http.Http.header;
import static dev.tether.leakprof.http.Http.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The endpoints of {@link DebugServer} over real HTTP, against Tether tasks blocked in a channel send: status, Go's
 * headers, and bodies that tether-profile's readers read back.
 */
@Timeout(60)
class DebugServerTest {

    private static final int SENDERS = 12;
    private static final String SEND = "dev.tether.Channel.send";
    private static final String SITE = Senders.class.getName() + ".sendsForever";

    private static Senders senders;
    private static DebugServer server;
    private static Http http;

    @BeforeAll
    static void start() throws IOException {
        senders = new Senders(SENDERS);
        server = DebugServer.builder().start();
        http = new Http();
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
        if (server != null) server.close();
        if (senders != null) senders.close();
    }

    private static HttpResponse<byte[]> get(String path) {
        return http.get(server.uri().resolve(path));
    }

    /** The tasks of {@link #senders} in a snapshot read back from a response, by their owner or their stack. */
    private static long ours(Snapshot s) {
        return s.entries().stream().filter(e -> e.stack().stream().anyMatch(f -> f.function().equals(SITE)))
                .mapToLong(Entry::count).sum();
    }

    @Test
    void bindsLoopbackOnAFreePortByDefault() {
        assertTrue(server.address().getAddress().isLoopbackAddress(), server.address().toString());
        assertTrue(server.address().getPort() > 0);
        assertEquals("http://127.0.0.1:" + server.address().getPort() + "/", server.uri().toString());
    }

    @Test
    void goroutineDebug0IsAGzippedPprofProfileWithGosHeaders() throws IOException {
        HttpResponse<byte[]> r = get("debug/pprof/goroutine");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("application/octet-stream", header(r, "Content-Type"));
        assertEquals("attachment; filename=\"goroutine\"", header(r, "Content-Disposition"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        assertNull(header(r, "X-Go-Pprof"));
        assertEquals(0x1f, r.body()[0] & 0xff, "gzip");
        assertEquals(0x8b, r.body()[1] & 0xff, "gzip");

        Snapshot s = Snapshots.read(new ByteArrayInputStream(r.body()), "goroutine");
        assertEquals(Format.GO_PPROF, s.metadata().format());
        assertEquals(SENDERS, ours(s));
        Entry e = s.entries().stream().filter(x -> x.stack().stream().anyMatch(f -> f.function().equals(SITE)))
                .findFirst().orElseThrow();
        assertEquals("chan send", e.waitReason().orElseThrow());
        assertEquals(Entry.State.WAITING, e.state());
        assertEquals("scope", e.owner().orElseThrow().kind());
        assertEquals(Senders.SCOPE_NAME, e.owner().orElseThrow().name());
        assertEquals(SEND, e.stack().getFirst().function());
        Frame site = e.stack().stream().filter(f -> f.function().equals(SITE)).findFirst().orElseThrow();
        assertEquals(Senders.SEND_LINE, site.line());
        assertNull(s.metadata().processId(), "no process details");
        assertTrue(s.metadata().processName() == null || s.metadata().processName().isEmpty(),
                "no command name: " + s.metadata().processName());
    }

    @Test
    void goroutineDebug1IsGosGroupedText() throws IOException {
        HttpResponse<byte[]> r = get("debug/pprof/goroutine?debug=1");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
        assertNull(header(r, "Content-Disposition"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        String t = text(r);
        assertTrue(t.startsWith("goroutine profile: total "), t);
        assertTrue(t.contains("\n" + SENDERS + " @"), t);
        assertTrue(t.contains("#\t0x0\t" + SEND + "\tdev/tether/Channel.java:"), t);
        assertTrue(t.contains("#\t0x0\t" + SITE + "\tdev/tether/leakprof/http/Senders.java:" + Senders.SEND_LINE + "\n"),
                t);

        Snapshot s = Snapshots.read(new ByteArrayInputStream(r.body()), "debug1");
        assertEquals(Format.GO_DEBUG1, s.metadata().format());
        assertEquals(SENDERS, ours(s));
    }

    @Test
    void goroutineDebug2ShowsEveryTaskWithItsWaitReason() throws IOException {
        HttpResponse<byte[]> r = get("debug/pprof/goroutine?debug=2");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
        assertNull(header(r, "Content-Disposition"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        String t = text(r);
        for (var task : senders.tasks()) {
            assertTrue(t.contains("goroutine " + task.id() + " [chan send]:\n" + SEND + "()\n"), task + " in:\n" + t);
        }
        assertTrue(t.contains(SITE + "()\n\tdev/tether/leakprof/http/Senders.java:" + Senders.SEND_LINE + "\n"), t);

        Snapshot s = Snapshots.read(new ByteArrayInputStream(r.body()), "debug2");
        assertEquals(Format.GO_DEBUG2, s.metadata().format());
        assertEquals(SENDERS, ours(s));
        assertTrue(s.entries().stream().filter(e -> e.stack().stream().anyMatch(f -> f.function().equals(SITE)))
                .allMatch(e -> e.waitReason().orElse("").equals("chan send")));
    }

    @Test
    void indexListsTheProfilesWithCountsAndLinksAsGoDoes() {
        HttpResponse<byte[]> r = get("debug/pprof/");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("text/html; charset=utf-8", header(r, "Content-Type"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        String t = text(r);
        assertTrue(t.startsWith("<html>\n<head>\n<title>/debug/pprof/</title>"), t);
        Matcher m = Pattern.compile("<tr><td>(\\d+)</td><td><a href='goroutine\\?debug=1'>goroutine</a></td></tr>")
                .matcher(t);
        assertTrue(m.find(), t);
        assertTrue(Integer.parseInt(m.group(1)) >= SENDERS, t);
        assertTrue(Pattern.compile("<tr><td>\\d+</td><td><a href='goroutineleak\\?debug=1'>goroutineleak</a></td></tr>")
                .matcher(t).find(), t);
        assertTrue(t.contains("<a href=\"goroutine?debug=2\">full goroutine stack dump</a>"), t);
        assertTrue(t.contains("<li><div class=profile-name>goroutine: </div>"), t);
        assertTrue(t.contains("<li><div class=profile-name>goroutineleak: </div>"), t);
        assertTrue(t.endsWith("</body>\n</html>"), t);
        assertTrue(!t.contains("/debug/leaks"), "no detector, no link: " + t);
    }

    @Test
    void pathWithoutTheSlashRedirectsToTheIndexAsGosMuxDoes() {
        HttpResponse<byte[]> r = get("debug/pprof");
        assertEquals(301, r.statusCode());
        assertEquals("/debug/pprof/", header(r, "Location"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "debug=3 | invalid value for \"debug\" - must be 0 (pprof protobuf), 1 (grouped text) or 2",
            "debug=x | invalid value for \"debug\"",
            "debug= | invalid value for \"debug\"",
            "debug=-1 | invalid value for \"debug\"",
            "debug=1&debug=2 | parameter \"debug\" given more than once",
            "foo=1 | unknown parameter \"foo\"; this profile accepts \"debug\" (0, 1 or 2) and \"gc\" (ignored)",
            "debug=1&%3Cscript%3E=1 | unknown parameter (a parameter with a long or unusual name)",
            "seconds=5 | \"seconds\" parameter is not supported for this profile type",
            "seconds=0 | invalid value for \"seconds\" - must be a positive integer",
            "seconds=x | invalid value for \"seconds\" - must be a positive integer",
            "gc=x | invalid value for \"gc\" - must be an integer",
    })
    void badParametersAre400sWithAMessage(String query, String message) {
        for (String profile : List.of("goroutine", "goroutineleak")) {
            HttpResponse<byte[]> r = get("debug/pprof/" + profile + "?" + query);
            assertEquals(400, r.statusCode(), text(r));
            assertServeErrorHeaders(r);
            assertTrue(text(r).contains(message), text(r));
            assertTrue(text(r).endsWith("\n") && text(r).indexOf('\n') == text(r).length() - 1, "one line: " + text(r));
        }
    }

    @Test
    void gcIsAcceptedAndIgnored() {
        HttpResponse<byte[]> r = get("debug/pprof/goroutine?debug=1&gc=1");
        assertEquals(200, r.statusCode(), text(r));
    }

    @Test
    void indexTakesNoParameters() {
        HttpResponse<byte[]> r = get("debug/pprof/?debug=1");
        assertEquals(400, r.statusCode());
        assertTrue(text(r).contains("the index takes no parameters"), text(r));
    }

    /** Go's {@code serveError}: plain text, {@code X-Go-Pprof: 1}, no attachment. */
    private static void assertServeErrorHeaders(HttpResponse<byte[]> r) {
        assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
        assertEquals("1", header(r, "X-Go-Pprof"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        assertNull(header(r, "Content-Disposition"));
    }

    @Test
    void unknownProfileIsGos404() {
        for (String name : List.of("heap", "profile", "goroutine/", "cmdline")) {
            HttpResponse<byte[]> r = get("debug/pprof/" + name);
            assertEquals(404, r.statusCode(), name);
            assertServeErrorHeaders(r);
            assertEquals("Unknown profile\n", text(r));
        }
    }

    @Test
    void pathsOutsideTheTreeAreGosNotFound() {
        for (String path : List.of("", "debug/", "debug/vars", "other")) {
            HttpResponse<byte[]> r = get(path);
            assertEquals(404, r.statusCode(), path);
            assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
            assertEquals("404 page not found\n", text(r));
        }
    }

    @Test
    void leaksWithoutADetectorIsA404SayingSo() {
        HttpResponse<byte[]> r = get("debug/leaks");
        assertEquals(404, r.statusCode());
        assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
        assertTrue(text(r).startsWith("no leak detector:"), text(r));
    }

    @Test
    void onlyGetAndHeadAreAllowed() {
        for (String method : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(server.uri().resolve("debug/pprof/goroutine"))
                    .method(method, HttpRequest.BodyPublishers.ofString("x")));
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", header(r, "Allow"));
            assertTrue(text(r).contains("not allowed"), text(r));
        }
    }

    @Test
    void headAnswersTheHeadersWithoutABody() {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(server.uri().resolve("debug/pprof/goroutine"))
                .HEAD());
        assertEquals(200, r.statusCode());
        assertEquals("application/octet-stream", header(r, "Content-Type"));
        assertEquals("attachment; filename=\"goroutine\"", header(r, "Content-Disposition"));
        assertEquals(0, r.body().length);
        HttpResponse<byte[]> bad = http.send(HttpRequest.newBuilder(server.uri().resolve(
                "debug/pprof/goroutine?debug=9")).HEAD());
        assertEquals(400, bad.statusCode());
        assertEquals("1", header(bad, "X-Go-Pprof"));
    }

    @Test
    void textIsCutAtTheBoundAtABlockEndWithAMarkerLine() {
        try (DebugServer small = DebugServer.builder().maxResponseBytes(DebugHandler.MIN_MAX_RESPONSE_BYTES).start()) {
            HttpResponse<byte[]> full = get("debug/pprof/goroutine?debug=2");
            assertTrue(full.body().length > 2 * DebugHandler.MIN_MAX_RESPONSE_BYTES, "enough text to cut");

            HttpResponse<byte[]> r = http.get(small.uri().resolve("debug/pprof/goroutine?debug=2"));
            assertEquals(200, r.statusCode());
            assertTrue(r.body().length <= DebugHandler.MIN_MAX_RESPONSE_BYTES, r.body().length + " bytes");
            String t = text(r);
            int marker = t.indexOf("# tether: truncated: this response reached its bound of 1024 bytes");
            assertTrue(marker > 0, t);
            assertTrue(t.endsWith("debug=1 groups identical stacks, or raise maxResponseBytes\n"), t);
            assertEquals(t.length() - 1, t.indexOf('\n', marker), "the marker is the last line");
            assertTrue(t.substring(0, marker).endsWith("\n\n"), "cut after a whole goroutine block:\n" + t);
            assertTrue(t.startsWith("goroutine "), t);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPprofProfileOverTheBoundIsA500NotACutProfile() throws IOException {
        // Enough distinct owners (random scope names, which compress badly) for a profile above the bound.
        List<TaskScope> scopes = new ArrayList<>();
        Random random = new Random(1);
        try {
            for (int i = 0; i < 40; i++) {
                TaskScope scope = TaskScope.open(Long.toString(random.nextLong(), 36)
                        + Long.toString(random.nextLong(), 36), Context.background());
                scopes.add(scope);
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(() -> Senders.sendsForever(ch));
            }
            try (DebugServer small = DebugServer.builder().maxResponseBytes(DebugHandler.MIN_MAX_RESPONSE_BYTES)
                    .start()) {
                HttpResponse<byte[]> full = get("debug/pprof/goroutine");
                assertTrue(full.body().length > DebugHandler.MIN_MAX_RESPONSE_BYTES, full.body().length + " bytes");

                HttpResponse<byte[]> r = http.get(small.uri().resolve("debug/pprof/goroutine"));
                assertEquals(500, r.statusCode());
                assertServeErrorHeaders(r);
                assertEquals("the goroutine profile is larger than maxResponseBytes (1024 bytes): ask for debug=1,"
                        + " which is cut to fit, or raise the limit\n", text(r));
            }
        } finally {
            for (TaskScope s : scopes) s.close();
        }
    }

    @Test
    void closeStopsServingAndIsIdempotent() throws IOException {
        DebugServer s = DebugServer.builder().start();
        URI index = s.uri().resolve("debug/pprof/");
        assertEquals(200, http.get(index).statusCode());
        s.close();
        s.close();
        assertThrows(UncheckedIOException.class, () -> http.get(index), "nothing listens any more");
        // Its threads are gone too: the suite-wide leak check fails this class otherwise.
    }

    @Test
    void concurrentRequestsAreServed() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 24; i++) {
                int debug = i % 3;
                all.add(CompletableFuture.supplyAsync(() -> get("debug/pprof/goroutine?debug=" + debug), pool));
            }
            for (var f : all) assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void boundsAndTokensAreCheckedWhenConfigured() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DebugServer.builder().maxResponseBytes(100));
        assertTrue(e.getMessage().contains("at least 1024"), e.getMessage());
        for (String bad : List.of("", "   ", "two words", "tab\there", "caf\u00e9")) {
            assertThrows(IllegalArgumentException.class, () -> DebugServer.builder().bearerToken(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> DebugHandler.builder().bearerToken(bad), bad);
        }
    }
}
