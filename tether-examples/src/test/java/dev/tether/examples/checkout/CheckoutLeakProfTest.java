package dev.tether.examples.checkout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.examples.checkout.CheckoutServer.Variant;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;
import dev.tether.leakprof.http.DebugServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The checkout service with the leak detector and the debug endpoint on, as in production: under load with impatient
 * clients the leaky variant becomes a suspect at its exact send lines within one sampling period of the age
 * threshold, and {@code /debug/leaks} says so; the fixed variant is never reported.
 */
class CheckoutLeakProfTest {
    private static final Duration PERIOD = Duration.ofMillis(200);
    private static final Duration AGE = Duration.ofMillis(800);
    private static final int MIN_TASKS = 20;
    private static final LoadDriver.Plan LOAD = new LoadDriver.Plan("leakprof", 400, 16, Duration.ofMillis(40));

    private static LeakDetector.Builder detector(List<Sample> samples) {
        return LeakDetector.builder().period(PERIOD).minAge(AGE).minTasks(MIN_TASKS).onSample(samples::add);
    }

    @Test
    void leakyVariantIsASuspectAtItsSendLinesWithinOnePeriodOfTheAgeThreshold() throws Exception {
        List<Integer> sendLines = leakySendLines();
        List<Sample> samples = new CopyOnWriteArrayList<>();
        Checkout checkout = new Checkout(new Downstreams(CheckoutScenario.SEED));
        try (LeakDetector d = detector(samples).start();
             DebugServer debug = DebugServer.builder().detector(d).start();
             CheckoutServer server = CheckoutServer.start(Variant.LEAKY, checkout)) {
            LoadDriver.run(server.checkoutUri(), LOAD);
            CheckoutScenario.awaitLeakySendersBlocked(Duration.ofSeconds(10));

            // When did a send line first hold MIN_TASKS senders that had waited AGE? From the registry's exact ages.
            Instant now = Instant.now();
            Map<Integer, List<Instant>> startsByLine = new HashMap<>();
            for (TaskInfo t : CheckoutScenario.leakySenders()) {
                int line = sendLine(t);
                startsByLine.computeIfAbsent(line, k -> new ArrayList<>())
                        .add(now.minus(t.waited().orElseThrow()));
            }
            Instant due = null;
            for (List<Instant> starts : startsByLine.values()) {
                if (starts.size() < MIN_TASKS) continue;
                starts.sort(null);
                Instant t = starts.get(MIN_TASKS - 1).plus(AGE);
                if (due == null || t.isBefore(due)) due = t;
            }
            assertTrue(due != null, "the load leaves " + MIN_TASKS + " senders at one line: " + startsByLine.keySet()
                    + " " + startsByLine.values().stream().map(List::size).toList());
            Instant dueAt = due;

            eventually(() -> samples.stream().anyMatch(s -> s.time().isAfter(dueAt)),
                    () -> "a sample after " + dueAt);
            Sample first = samples.stream().filter(s -> s.time().isAfter(dueAt)).findFirst().orElseThrow();
            Suspect top = first.suspects().stream().findFirst().orElseThrow(
                    () -> new AssertionError("the first sample after the threshold reports the leak: " + first));
            assertEquals("chan send", top.waitReason());
            assertEquals("Checkout.java", top.blockingSite().getFileName());
            assertTrue(sendLines.contains(top.blockingSite().getLineNumber()),
                    "suspect at a leaky send line " + sendLines + ": " + top);
            assertTrue(top.count() >= MIN_TASKS, top.toString());
            Duration late = Duration.between(dueAt, first.time());
            System.out.println("checkout leak reported " + late.toMillis() + " ms after the age threshold was crossed");
            // The first sample after the threshold reported it; a sample comes every PERIOD, so it came within one
            // period unless the machine stalled the sampler (bounded loosely: this is not a timing benchmark).
            assertTrue(late.compareTo(PERIOD.multipliedBy(5)) <= 0, "reported " + late.toMillis() + " ms late");

            // What an operator sees on the debug endpoint: the suspect in /debug/leaks, the senders in the dump.
            try (HttpClient http = HttpClient.newHttpClient()) {
                String leaks = get(http, debug.uri().resolve("debug/leaks"));
                JsonNode reported = new ObjectMapper().readTree(leaks).path("sample").path("suspects").path(0);
                assertEquals("chan send", reported.path("waitReason").asText(), leaks);
                assertEquals("Checkout.java", reported.path("blockingSite").path("file").asText(), leaks);
                assertTrue(sendLines.contains(reported.path("blockingSite").path("line").asInt()), leaks);
                String dump = get(http, debug.uri().resolve("debug/pprof/goroutine?debug=1"));
                assertTrue(dump.contains("dev.tether.Channel.send") && dump.contains("Checkout.java:" + top.blockingSite()
                        .getLineNumber()), dump.lines().limit(20).toList().toString());
            }
        } finally {
            CheckoutScenario.reclaimLeakySenders(Duration.ofSeconds(10));
        }
    }

    @Test
    void fixedVariantIsNeverReported() throws Exception {
        List<Sample> samples = new CopyOnWriteArrayList<>();
        int baseline = TaskRegistry.count();
        Checkout checkout = new Checkout(new Downstreams(CheckoutScenario.SEED));
        try (LeakDetector d = detector(samples).start();
             CheckoutServer server = CheckoutServer.start(Variant.FIXED, checkout)) {
            LoadDriver.run(server.checkoutUri(), LOAD);
            Instant loaded = Instant.now();
            // Long enough after the load for anything left behind to pass the age threshold, and be sampled.
            eventually(() -> samples.stream().anyMatch(s -> s.time().isAfter(loaded.plus(AGE).plus(PERIOD))),
                    () -> "samples past the age threshold");
            assertTrue(server.responses().getOrDefault(504, 0L) > 0, "the deadline path was exercised");
        }
        for (Sample s : samples) assertTrue(s.suspects().isEmpty(), () -> "reported: " + s.suspects());
        eventually(() -> TaskRegistry.count() == baseline, () -> "back to " + baseline);
    }

    private static String get(HttpClient http, java.net.URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> uri + ": " + r.body());
        return r.body();
    }

    /** The leaky send line a sender is blocked at, from its stack. */
    private static int sendLine(TaskInfo t) {
        for (StackTraceElement f : t.stackTrace()) {
            if (f.getClassName().equals(Checkout.class.getName())) return f.getLineNumber();
        }
        return -1;
    }

    /** The lines of the three leaky sends, found in the source so that the test follows edits of the example. */
    static List<Integer> leakySendLines() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/java/dev/tether/examples/checkout/Checkout.java"));
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(".send(reply); // LEAK: nobody receives")) out.add(i + 1);
        }
        assertEquals(3, out.size(), "one marked send per downstream in Checkout.java");
        return out;
    }

    private static void eventually(BooleanSupplier condition, Supplier<String> message) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + message.get());
            LockSupport.parkNanos(5_000_000L);
        }
    }
}
