package dev.tether.leakprof.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.leakprof.LeakDetector;
import dev.tether.profile.Entry;
import dev.tether.profile.Format;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import dev.tether.profile.proto.ProfileProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static dev.tether.leakprof.http.Http.header;
import static dev.tether.leakprof.http.Http.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code /debug/pprof/goroutineleak} and the proven leaks of {@code /debug/leaks}, with tasks the garbage collector
 * really reclaimed. Runs only in the {@code collectable-threads} surefire execution, whose JVM has
 * {@code -Djdk.trackAllThreads=false}.
 */
@Tag("collectable-threads")
@Timeout(180)
class GoroutineLeakEndpointTest {

    private static final int LEAKED = 5;
    private static final String SITE = GoroutineLeakEndpointTest.class.getName() + ".leakedSend";
    private static final String PATH = "dev/tether/leakprof/http/GoroutineLeakEndpointTest.java";
    private static final int LEAK_LINE = Senders.lineOf(GoroutineLeakEndpointTest.class, "LEAK-LINE");

    @TempDir
    static Path dir;

    @BeforeAll
    static void jvmLetsThreadsBeReclaimed() {
        assertTrue(TaskRegistry.provesLeaks(), "this test needs -Djdk.trackAllThreads=false");
    }

    /** Sends on a channel that only this frame ever sees: once blocked, nothing can reach it. */
    static void leakedSend() throws InterruptedException {
        Channel.<Integer>unbuffered().send(1); // LEAK-LINE
    }

    @Test
    void provenLeaksAreServedAsGosGoroutineLeakProfile() throws Exception {
        try (LeakDetector detector = LeakDetector.builder().minTasks(5).minAge(Duration.ofMillis(50))
                .period(Duration.ofHours(1)).start();
             DebugServer server = DebugServer.builder().detector(detector).start(); Http http = new Http();
             TaskScope scope = TaskScope.open()) {
            Set<Long> ids = leak(scope);

            // debug=1: Go's header, one record of the leaked tasks at their blocking site
            HttpResponse<byte[]> d1 = http.get(server.uri().resolve("debug/pprof/goroutineleak?debug=1"));
            assertEquals(200, d1.statusCode(), text(d1));
            assertEquals("text/plain; charset=utf-8", header(d1, "Content-Type"));
            assertEquals("nosniff", header(d1, "X-Content-Type-Options"));
            String t1 = text(d1);
            Matcher total = Pattern.compile("^goroutineleak profile: total (\\d+)\n").matcher(t1);
            assertTrue(total.find(), t1);
            assertTrue(Integer.parseInt(total.group(1)) >= LEAKED, t1);
            assertTrue(t1.contains("\n" + LEAKED + " @\n#\t0x0\t" + SITE + "\t" + PATH + ":" + LEAK_LINE + "\n"), t1);

            // debug=2: each task, its wait reason marked leaked, its blocking site, its creation site
            HttpResponse<byte[]> d2 = http.get(server.uri().resolve("debug/pprof/goroutineleak?debug=2"));
            assertEquals(200, d2.statusCode(), text(d2));
            String t2 = text(d2);
            for (long id : ids) {
                assertTrue(t2.contains("goroutine " + id + " [chan send (leaked)]:\n" + SITE + "()\n\t" + PATH + ":"
                        + LEAK_LINE + "\ncreated by " + GoroutineLeakEndpointTest.class.getName() + ".leak"), t2);
            }

            // debug=0: a pprof profile of type goroutineleak/count, as Go 1.26 writes it
            HttpResponse<byte[]> d0 = http.get(server.uri().resolve("debug/pprof/goroutineleak"));
            assertEquals(200, d0.statusCode(), text(d0));
            assertEquals("application/octet-stream", header(d0, "Content-Type"));
            assertEquals("attachment; filename=\"goroutineleak\"", header(d0, "Content-Disposition"));
            ProfileProto.Profile p;
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(d0.body()))) {
                p = ProfileProto.Profile.parseFrom(in);
            }
            assertEquals("goroutineleak", p.getStringTable((int) p.getSampleType(0).getType()));
            assertEquals("count", p.getStringTable((int) p.getSampleType(0).getUnit()));
            assertEquals("goroutineleak", p.getStringTable((int) p.getPeriodType().getType()));
            Snapshot s = Snapshots.read(new ByteArrayInputStream(d0.body()), "goroutineleak");
            assertEquals(Format.GO_PPROF, s.metadata().format());
            List<Entry> ours = s.entries().stream()
                    .filter(e -> e.stack().size() == 1 && e.stack().getFirst().function().equals(SITE)).toList();
            assertEquals(LEAKED, ours.stream().mapToInt(Entry::count).sum(), s.entries().toString());
            assertEquals(LEAK_LINE, ours.getFirst().stack().getFirst().line());
            assertEquals("chan send", ours.getFirst().waitReason().orElseThrow());

            // go tool pprof reads it as a goroutineleak profile
            String raw = GoToolPprofEndpointTest.pprof(dir, "-raw", server.uri().resolve("debug/pprof/goroutineleak"));
            assertTrue(raw.contains("PeriodType: goroutineleak count"), raw);
            assertTrue(raw.contains("goroutineleak/count"), raw);
            assertTrue(raw.contains(SITE + " " + PATH + ":" + LEAK_LINE), raw);

            // the index counts them
            Matcher count = Pattern.compile("<tr><td>(\\d+)</td><td><a href='goroutineleak\\?debug=1'>")
                    .matcher(text(http.get(server.uri().resolve("debug/pprof/"))));
            assertTrue(count.find());
            assertTrue(Integer.parseInt(count.group(1)) >= LEAKED);

            // /debug/leaks: the detector saw them reclaimed, at their site
            JsonNode j = new ObjectMapper().readTree(http.get(server.uri().resolve("debug/leaks?refresh=1")).body());
            JsonNode sample = j.get("sample");
            assertTrue(sample.get("provenLeakTotal").asLong() >= LEAKED, sample.toString());
            JsonNode site = null;
            for (JsonNode l : sample.get("provenLeaks")) {
                JsonNode b = l.get("blockingSite");
                if (!b.isNull() && b.get("function").asText().equals(SITE)) site = l;
            }
            assertNotNull(site, sample.toString());
            assertEquals(LEAKED, site.get("count").asLong());
            assertEquals(LEAK_LINE, site.get("blockingSite").get("line").asInt());
            assertEquals("chan send", site.get("waitReason").asText());
            assertTrue(ids.contains(site.get("lastTaskId").asLong()), site.toString());
        } // the scope closes: the reaper finished the leaked tasks
    }

    /** Leaks {@link #LEAKED} senders in {@code scope} and waits (bounded) until the collector proved them leaked. */
    private static Set<Long> leak(TaskScope scope) {
        List<Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < LEAKED; i++) tasks.add(scope.go(GoroutineLeakEndpointTest::leakedSend));
        Set<Long> ids = tasks.stream().map(Task::id).collect(Collectors.toSet());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Set<Long> reclaimed = TaskRegistry.reclaimed().stream().map(TaskInfo::id).filter(ids::contains)
                    .collect(Collectors.toSet());
            if (reclaimed.size() == LEAKED) return ids;
            if (System.nanoTime() > deadline) fail("only " + reclaimed.size() + " of " + LEAKED + " tasks reclaimed");
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a moment for the reaper; polled, not relied on
        }
    }
}
