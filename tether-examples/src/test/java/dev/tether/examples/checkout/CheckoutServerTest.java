package dev.tether.examples.checkout;

import dev.tether.examples.checkout.CheckoutServer.Variant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP protocol of {@code POST /checkout}: status codes and messages, independent of load and timing. */
class CheckoutServerTest {
    private static CheckoutServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        server = CheckoutServer.start(Variant.FIXED, new Checkout(new Downstreams(CheckoutScenario.SEED)));
        client = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static HttpResponse<String> post(String contentType, String timeoutMs, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.checkoutUri())
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        if (timeoutMs != null) b.header(CheckoutServer.TIMEOUT_HEADER, timeoutMs);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String FORM = "application/x-www-form-urlencoded";

    /** An order with {@code total} whose simulated calls all succeed (with this seed, most ids qualify). */
    private static Order orderNoCallFails(long total) {
        Downstreams d = new Downstreams(CheckoutScenario.SEED);
        for (int i = 0; ; i++) {
            Order o = new Order("o-" + i, "u-1", total);
            if (!d.fails("risk", o) && !d.fails("inventory", o) && !d.fails("promotions", o)) return o;
        }
    }

    @Test
    void anOrderWithinTheRiskLimitIsAcceptedWith200() throws Exception {
        // Without a stated deadline the server's cap (2 s) applies, longer than any simulated call.
        HttpResponse<String> r = post(FORM, null, orderNoCallFails(1999).toForm());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"status\":\"accepted\""), r.body());
    }

    @Test
    void anOrderAboveTheRiskLimitIsRejectedWith403() throws Exception {
        HttpResponse<String> r = post(FORM, "2000", orderNoCallFails(Downstreams.RISK_LIMIT_CENTS + 1).toForm());
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("approval limit"), r.body());
    }

    @Test
    void aBadOrderIsRejectedWith400AndTheReason() throws Exception {
        HttpResponse<String> r = post(FORM, "100", "id=o-1&user=u-1");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("missing field 'total'"), r.body());
    }

    @Test
    void aBadDeadlineIsRejectedWith400() throws Exception {
        HttpResponse<String> r = post(FORM, "0", "id=o-1&user=u-1&total=1");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains(CheckoutServer.TIMEOUT_HEADER), r.body());
    }

    @Test
    void anotherContentTypeIsRejectedWith415() throws Exception {
        assertEquals(415, post("application/json", "100", "{\"id\":\"o-1\"}").statusCode());
    }

    @Test
    void onlyPostIsAllowed() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.checkoutUri()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
    }
}
