package dev.tether.leakprof.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.ProvenLeak;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.tether.leakprof.http.Http.header;
import static dev.tether.leakprof.http.Http.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /debug/leaks}: the leak detector's report as JSON. */
@Timeout(60)
class LeaksEndpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static LeakDetector detector() {
        return LeakDetector.builder().minTasks(5).minAge(Duration.ofMillis(50)).period(Duration.ofHours(1)).start();
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("application/json", header(r, "Content-Type"));
        assertEquals("nosniff", header(r, "X-Content-Type-Options"));
        return JSON.readTree(r.body());
    }

    @Test
    void showsTheSuspectAtItsBlockingLine() throws IOException {
        try (LeakDetector detector = detector(); DebugServer server = DebugServer.builder().detector(detector).start();
             Http http = new Http(); Senders senders = new Senders(6)) {
            URI leaks = server.uri().resolve("debug/leaks");

            JsonNode before = json(http.get(leaks));
            assertEquals("tether-leaks/1", before.get("schema").asText());
            JsonNode d = before.get("detector");
            assertTrue(d.get("running").asBoolean());
            assertEquals(3_600_000, d.get("periodMillis").asLong());
            assertEquals(5, d.get("minTasks").asInt());
            assertEquals(50, d.get("minAgeMillis").asLong());
            assertEquals(0, d.get("errors").asLong());
            assertTrue(before.get("sample").isNull(), "no sample yet: " + before);
            assertFalse(before.get("truncated").asBoolean());

            senders.awaitWaited(Duration.ofMillis(60));
            JsonNode after = json(http.get(server.uri().resolve("debug/leaks?refresh=1")));
            JsonNode s = after.get("sample");
            assertEquals(1, s.get("sequence").asLong());
            assertTrue(s.get("liveTasks").asInt() >= 6, s.toString());
            assertTrue(s.get("blockedByReason").get("chan send").asInt() >= 6, s.toString());
            assertNotNull(Instant.parse(s.get("time").asText()));
            assertTrue(s.get("tookMicros").asLong() >= 0);
            assertFalse(s.get("threadsScanned").asBoolean());
            assertEquals(detector.latest().orElseThrow().provenLeakTotal(), s.get("provenLeakTotal").asLong());

            JsonNode suspect = null;
            for (JsonNode x : s.get("suspects")) {
                JsonNode site = x.get("blockingSite");
                if (!site.isNull() && site.get("function").asText().equals(Senders.class.getName() + ".sendsForever")) {
                    suspect = x;
                }
            }
            assertNotNull(suspect, "the senders' site is a suspect: " + s);
            assertEquals("TASKS", suspect.get("kind").asText());
            assertEquals("chan send", suspect.get("waitReason").asText());
            assertEquals("Senders.java", suspect.get("blockingSite").get("file").asText());
            assertEquals(Senders.SEND_LINE, suspect.get("blockingSite").get("line").asInt());
            assertEquals(6, suspect.get("count").asInt());
            assertEquals(6, suspect.get("total").asInt());
            assertEquals(6, suspect.get("growth").asInt());
            assertTrue(suspect.get("oldestWaitMillis").asLong() >= 50, suspect.toString());
            assertEquals(Senders.class.getName() + ".<init>", suspect.get("creationSite").get("function").asText());
            assertEquals("dev.tether.Channel.send", suspect.get("stack").get(0).get("function").asText());
            assertTrue(suspect.get("estimated").isBoolean());
            assertEquals(0, s.get("suspectsOmitted").asInt());
            assertEquals(0, s.get("provenLeaksOmitted").asInt());
            assertFalse(after.get("truncated").asBoolean());

            // Without refresh: the latest sample, not a new one.
            assertEquals(1, json(http.get(leaks)).get("sample").get("sequence").asLong());
            assertEquals(1, detector.latest().orElseThrow().sequence());

            HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(leaks).HEAD());
            assertEquals(200, head.statusCode());
            assertEquals("application/json", header(head, "Content-Type"));
            assertEquals(0, head.body().length);

            assertTrue(text(http.get(server.uri().resolve("debug/pprof/"))).contains("<a href=\"../leaks\">"),
                    "the index links to the report when there is a detector");
        }
    }

    @Test
    void badParametersAre400s() throws IOException {
        try (LeakDetector detector = detector(); DebugServer server = DebugServer.builder().detector(detector).start();
             Http http = new Http()) {
            for (String q : List.of("refresh=2", "refresh=", "debug=1", "refresh=1&refresh=1")) {
                HttpResponse<byte[]> r = http.get(server.uri().resolve("debug/leaks?" + q));
                assertEquals(400, r.statusCode(), q);
                assertEquals("text/plain; charset=utf-8", header(r, "Content-Type"));
                assertNull(header(r, "X-Go-Pprof"), "not a pprof endpoint");
                assertTrue(text(r).contains("refresh"), text(r));
            }
            assertEquals(0, detector.latest().map(Sample::sequence).orElse(0L), "no sample taken");
        }
    }

    @Test
    void aClosedDetectorShowsItsLastSampleButCannotRefresh() throws IOException {
        LeakDetector detector = detector();
        detector.sampleNow();
        detector.close();
        try (DebugServer server = DebugServer.builder().detector(detector).start(); Http http = new Http()) {
            JsonNode j = json(http.get(server.uri().resolve("debug/leaks")));
            assertFalse(j.get("detector").get("running").asBoolean());
            assertEquals(1, j.get("sample").get("sequence").asLong());
            HttpResponse<byte[]> r = http.get(server.uri().resolve("debug/leaks?refresh=1"));
            assertEquals(503, r.statusCode());
            assertTrue(text(r).startsWith("the leak detector is closed"), text(r));
        }
    }

    @Test
    void theJsonLeavesOutWholeSuspectsToStayWithinTheBound() throws IOException {
        List<Suspect> suspects = new ArrayList<>();
        List<ProvenLeak> leaks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            List<StackTraceElement> stack = new ArrayList<>();
            for (int f = 0; f < 20; f++) {
                stack.add(new StackTraceElement("com.example.Service" + i, "method" + f, "Service" + i + ".java", f + 1));
            }
            suspects.add(new Suspect(Suspect.Kind.TASKS, "chan send", stack.get(1), 100 + i, 120 + i,
                    Duration.ofMinutes(3), 10, stack.getLast(), stack, false));
            leaks.add(new ProvenLeak("chan receive", stack.get(2), stack.getLast(), i + 1, 0, Duration.ofSeconds(9),
                    1000 + i));
        }
        Sample sample = new Sample(Instant.now(), Duration.ofMillis(3), 7, 6000, Map.of("chan send", 5000),
                suspects, leaks, 1275, List.of(), false);
        try (LeakDetector detector = detector()) {
            for (long max : new long[] {1024, 5000, 20_000}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                LeaksJson.write(detector, sample, out, max);
                assertTrue(out.size() <= max, out.size() + " > " + max);
                JsonNode j = JSON.readTree(out.toByteArray());
                assertTrue(j.get("truncated").asBoolean());
                JsonNode s = j.get("sample");
                assertEquals(50, s.get("suspects").size() + s.get("suspectsOmitted").asInt());
                assertEquals(50, s.get("provenLeaks").size() + s.get("provenLeaksOmitted").asInt());
                assertEquals(1275, s.get("provenLeakTotal").asLong());
                if (s.get("suspects").size() > 0) {
                    assertEquals(100, s.get("suspects").get(0).get("count").asInt(), "the largest first, whole");
                    assertEquals(20, s.get("suspects").get(0).get("stack").size());
                }
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            LeaksJson.write(detector, sample, all, DebugHandler.DEFAULT_MAX_RESPONSE_BYTES);
            JsonNode j = JSON.readTree(all.toByteArray());
            assertFalse(j.get("truncated").asBoolean());
            assertEquals(50, j.get("sample").get("suspects").size());
            assertEquals(50, j.get("sample").get("provenLeaks").size());
            assertEquals("com.example.Service7.method2",
                    j.get("sample").get("provenLeaks").get(7).get("blockingSite").get("function").asText());
        }
    }
}
