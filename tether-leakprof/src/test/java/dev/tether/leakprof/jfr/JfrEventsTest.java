package dev.tether.leakprof.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.ProvenLeak;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.metrics.BlockedSenders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JfrEventsTest {

    @TempDir
    Path dir;

    private static Recording record() {
        Recording r = new Recording();
        for (String e : List.of(JfrEvents.LEAK_SUSPECT, JfrEvents.PROVEN_LEAK, JfrEvents.PROVEN_LEAK_SITE,
                JfrEvents.LEAK_SAMPLE)) {
            r.enable(e);
        }
        r.start();
        return r;
    }

    private Path stop(Recording r) throws IOException {
        Path file = dir.resolve("leaks.jfr");
        r.stop();
        r.dump(file);
        r.close();
        return file;
    }

    private static List<RecordedEvent> events(Path file, String name) throws IOException {
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(name))
                .toList();
    }

    @Test
    void suspectsAndSamplesAreRecorded() throws Exception {
        Recording r = record();
        Sample found;
        try (LeakDetector detector = LeakDetector.builder().minTasks(5).minAge(Duration.ofMillis(50))
                .period(Duration.ofHours(1)).onSample(JfrEvents.listener()).start();
             BlockedSenders senders = BlockedSenders.start(5)) {
            AtomicReference<Sample> s = new AtomicReference<>();
            BlockedSenders.await(() -> {
                s.set(detector.sampleNow());
                return !s.get().suspects().isEmpty();
            }, "a sample with a suspect");
            found = s.get();
        }
        Path file = stop(r);

        List<RecordedEvent> suspects = events(file, JfrEvents.LEAK_SUSPECT);
        assertEquals(1, suspects.size(), suspects.toString());
        RecordedEvent e = suspects.getFirst();
        assertEquals(found.sequence(), e.getLong("sample"));
        assertEquals("tasks", e.getString("kind"));
        assertEquals("chan send", e.getString("waitReason"));
        assertEquals(BlockedSenders.class.getName() + ".send(" + BlockedSenders.site() + ")",
                e.getString("blockingSite"));
        assertEquals(5, e.getInt("count"));
        assertEquals(5, e.getInt("total"));
        assertEquals(found.suspects().getFirst().oldestWait(), e.getDuration("oldestWait"));
        assertTrue(e.getDuration("oldestWait").compareTo(Duration.ofMillis(50)) >= 0);
        assertEquals(5, e.getInt("growth"));
        assertTrue(e.getString("creationSite").startsWith(BlockedSenders.class.getName() + ".start("),
                e.getString("creationSite"));
        assertTrue(e.getString("stack").contains(BlockedSenders.site()), e.getString("stack"));
        assertFalse(e.getBoolean("estimated"));
        assertNull(e.getStackTrace(), "the detector thread's stack says nothing: not recorded");

        List<RecordedEvent> samples = events(file, JfrEvents.LEAK_SAMPLE);
        RecordedEvent last = samples.getLast();
        assertEquals(found.sequence(), last.getLong("sample"));
        assertEquals(samples.size(), found.sequence(), "one event per sample");
        assertEquals(1, last.getInt("suspects"));
        assertTrue(last.getInt("liveTasks") >= 5);
        assertTrue(last.getInt("blockedTasks") >= 5);
        assertEquals(found.took(), last.getDuration("took"));

        // The real tool, as a user would run it.
        Path out = dir.resolve("print.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jfr").toString(), "print",
                "--events", JfrEvents.LEAK_SUSPECT, file.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("jfr print did not finish in 60 s");
        }
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), printed);
        assertTrue(printed.contains(JfrEvents.LEAK_SUSPECT + " {"), printed);
        assertTrue(printed.contains("blockingSite = \"" + BlockedSenders.class.getName() + ".send("
                + BlockedSenders.site() + ")\""), printed);
        assertTrue(printed.contains("waitReason = \"chan send\""), printed);
    }

    @Test
    void provenLeaksAreRecordedPerTaskAndPerSite() throws Exception {
        StackTraceElement blocking = new StackTraceElement("com.shop.Checkout", "submit", "Checkout.java", 88);
        StackTraceElement created = new StackTraceElement("com.shop.Checkout", "start", "Checkout.java", 40);
        Recording r = record();
        try (BlockedSenders senders = BlockedSenders.start(1)) {
            // A live task stands in for a reclaimed one: TaskInfo has no public constructor, and reclaiming one
            // needs the collector (-Djdk.trackAllThreads=false).
            TaskInfo task = TaskRegistry.snapshot().stream()
                    .filter(t -> t.owner().map(o -> o.id() == senders.scopeId()).orElse(false))
                    .findFirst().orElseThrow();
            Sample sample = new Sample(Instant.now(), Duration.ofMillis(3), 7, 1, Map.of("chan send", 1), List.of(),
                    List.of(new ProvenLeak("chan send", blocking, created, 4, 2, Duration.ofSeconds(90), 123),
                            new ProvenLeak("select", null, null, 1, 0, Duration.ZERO, 9)),
                    4, List.of(task), false);
            JfrEvents.emit(sample);
            Path file = stop(r);

            List<RecordedEvent> leaks = events(file, JfrEvents.PROVEN_LEAK);
            assertEquals(1, leaks.size(), leaks.toString());
            RecordedEvent e = leaks.getFirst();
            assertEquals(task.id(), e.getLong("taskId"));
            assertEquals("sender-0", e.getString("taskName"));
            assertEquals("chan send", e.getString("waitReason"));
            assertEquals(task.blockingSite().map(String::valueOf).orElse(null), e.getString("blockingSite"));
            assertTrue(e.getString("creationSite").startsWith(BlockedSenders.class.getName() + ".start("));
            assertEquals("scope " + senders.scopeId(), e.getString("owner"));
            assertTrue(e.getDuration("waited").compareTo(Duration.ZERO) > 0);

            List<RecordedEvent> sites = events(file, JfrEvents.PROVEN_LEAK_SITE);
            assertEquals(1, sites.size(), "only sites with new leaks: " + sites);
            RecordedEvent s = sites.getFirst();
            assertEquals(7, s.getLong("sample"));
            assertEquals("chan send", s.getString("waitReason"));
            assertEquals("com.shop.Checkout.submit(Checkout.java:88)", s.getString("blockingSite"));
            assertEquals("com.shop.Checkout.start(Checkout.java:40)", s.getString("creationSite"));
            assertEquals(2, s.getLong("newCount"));
            assertEquals(4, s.getLong("count"));
            assertEquals(Duration.ofSeconds(90), s.getDuration("longestWait"));
            assertEquals(123, s.getLong("lastTaskId"));

            RecordedEvent sampleEvent = events(file, JfrEvents.LEAK_SAMPLE).getFirst();
            assertEquals(4, sampleEvent.getLong("provenLeakTotal"));
            assertEquals(1, sampleEvent.getInt("newlyReclaimed"));
        }
    }

    @Test
    void nothingIsBuiltWhenNoRecordingWantsTheEvents() throws Exception {
        // No recording running: emit must be cheap and harmless (shouldCommit is false for every event).
        Recording r = new Recording();
        r.disable(JfrEvents.LEAK_SUSPECT);
        r.start();
        try (BlockedSenders senders = BlockedSenders.start(1)) {
            JfrEvents.emit(new Sample(Instant.now(), Duration.ZERO, 1, 1, Map.of(), List.of(), List.of(), 0,
                    List.of(), false));
        }
        Path file = stop(r);
        assertTrue(events(file, JfrEvents.LEAK_SUSPECT).isEmpty());
    }

    @Test
    void eventTypesAreRegisteredUpFront() {
        JfrEvents.register();
        List<String> names = jdk.jfr.FlightRecorder.getFlightRecorder().getEventTypes().stream()
                .map(jdk.jfr.EventType::getName).toList();
        assertTrue(names.containsAll(List.of(JfrEvents.LEAK_SUSPECT, JfrEvents.PROVEN_LEAK,
                JfrEvents.PROVEN_LEAK_SITE, JfrEvents.LEAK_SAMPLE)), names.toString());
        jdk.jfr.EventType t = jdk.jfr.EventType.getEventType(LeakSuspectEvent.class);
        assertEquals(List.of("Tether", "Leaks"), t.getCategoryNames());
        assertEquals("Leak Suspect", t.getLabel());
    }
}
