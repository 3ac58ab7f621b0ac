package dev.tether.leakprof.http;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;

import static dev.tether.leakprof.http.Http.header;
import static dev.tether.leakprof.http.Http.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Who may use the endpoint: loopback by default, a bearer token for anything else; and mounting the handler. */
@Timeout(60)
class AccessTest {

    private static final String TOKEN = "s3cret-Token_0123456789";

    @Test
    void aNonLoopbackBindWithoutATokenFailsAtStartSayingWhatToConfigure() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DebugServer.builder().address(new InetSocketAddress("0.0.0.0", 0)).start());
        assertTrue(e.getMessage().contains("binding 0.0.0.0:0, which is not a loopback address, needs a bearer token"),
                e.getMessage());
        assertTrue(e.getMessage().contains("DebugServer.builder().bearerToken(...)"), e.getMessage());
        assertTrue(e.getMessage().contains("or bind 127.0.0.1"), e.getMessage());
        // Setting a token and then removing it is no token.
        assertThrows(IllegalArgumentException.class, () -> DebugServer.builder()
                .address(new InetSocketAddress("0.0.0.0", 0)).bearerToken(TOKEN).bearerToken(null).start());
    }

    @Test
    void withATokenEveryRequestNeedsIt() throws IOException {
        try (DebugServer server = DebugServer.builder().address(new InetSocketAddress("0.0.0.0", 0))
                .bearerToken(TOKEN).start(); Http http = new Http()) {
            assertTrue(server.address().getAddress().isAnyLocalAddress());
            URI goroutine = server.uri().resolve("debug/pprof/goroutine?debug=1");
            assertEquals("127.0.0.1", goroutine.getHost(), "reached through loopback");

            HttpResponse<byte[]> none = http.get(goroutine);
            assertEquals(401, none.statusCode());
            assertEquals("Bearer realm=\"tether-debug\"", header(none, "WWW-Authenticate"));
            assertEquals("text/plain; charset=utf-8", header(none, "Content-Type"));
            assertTrue(text(none).startsWith("unauthorized"), text(none));

            for (String wrong : List.of("Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
                    "Basic " + TOKEN, TOKEN, "Bearer")) {
                HttpResponse<byte[]> r = http.get(goroutine, "Authorization", wrong);
                assertEquals(401, r.statusCode(), wrong);
                assertTrue(header(r, "WWW-Authenticate").startsWith("Bearer"), wrong);
                assertTrue(!text(r).contains(TOKEN), "never echoes a token");
            }

            HttpResponse<byte[]> ok = http.get(goroutine, "Authorization", "Bearer " + TOKEN);
            assertEquals(200, ok.statusCode(), text(ok));
            assertTrue(text(ok).startsWith("goroutine profile: total "), text(ok));
            assertNull(header(ok, "WWW-Authenticate"));
            assertEquals(200, http.get(goroutine, "Authorization", "bearer  " + TOKEN).statusCode(),
                    "the scheme is case-insensitive");

            // Before anything else: an unknown path or a bad parameter without the token is still a 401.
            assertEquals(401, http.get(server.uri().resolve("no/such/path")).statusCode());
            assertEquals(401, http.get(server.uri().resolve("debug/pprof/goroutine?debug=7")).statusCode());
            assertEquals(404, http.get(server.uri().resolve("no/such/path"), "Authorization", "Bearer " + TOKEN)
                    .statusCode());
        }
    }

    @Test
    void aTokenOnLoopbackIsEnforcedToo() throws IOException {
        try (DebugServer server = DebugServer.builder().bearerToken(TOKEN).start(); Http http = new Http()) {
            URI index = server.uri().resolve("debug/pprof/");
            assertEquals(401, http.get(index).statusCode());
            assertEquals(200, http.get(index, "Authorization", "Bearer " + TOKEN).statusCode());
        }
    }

    @Test
    void theHandlerMountsInAnyJdkServerUnderAPrefix() throws IOException {
        HttpServer own = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        own.createContext("/admin", DebugHandler.builder().build());
        own.start();
        try (Http http = new Http()) {
            URI base = URI.create("http://127.0.0.1:" + own.getAddress().getPort() + "/");
            HttpResponse<byte[]> r = http.get(base.resolve("admin/debug/pprof/goroutine?debug=1"));
            assertEquals(200, r.statusCode(), text(r));
            assertTrue(text(r).startsWith("goroutine profile: total "), text(r));
            HttpResponse<byte[]> redirect = http.get(base.resolve("admin/debug/pprof"));
            assertEquals(301, redirect.statusCode());
            assertEquals("/admin/debug/pprof/", header(redirect, "Location"));
            assertEquals(200, http.get(base.resolve("admin/debug/pprof/")).statusCode());
            assertEquals(404, http.get(base.resolve("admin/pprof/")).statusCode());
        } finally {
            own.stop(0);
        }
    }

    @Test
    void withoutATokenTheHandlerAnswersOnlyOnLoopback() throws IOException {
        InetAddress external = nonLoopbackAddress();
        assumeTrue(external != null, "this machine has no non-loopback IPv4 address to connect through");
        HttpServer own = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 0);
        own.createContext("/", DebugHandler.builder().build());
        own.start();
        try (Http http = new Http()) {
            int port = own.getAddress().getPort();
            HttpResponse<byte[]> outside = http.get(URI.create("http://" + external.getHostAddress() + ":" + port
                    + "/debug/pprof/goroutine?debug=1"));
            assertEquals(403, outside.statusCode(), text(outside));
            assertTrue(text(outside).contains("answers only on a loopback address"), text(outside));
            assertEquals(200, http.get(URI.create("http://127.0.0.1:" + port + "/debug/pprof/goroutine?debug=1"))
                    .statusCode());
        } finally {
            own.stop(0);
        }
    }

    private static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!i.isUp() || i.isLoopback()) continue;
            for (InetAddress a : Collections.list(i.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a;
            }
        }
        return null;
    }
}
