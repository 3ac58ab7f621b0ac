package dev.tether.leakprof.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TetherCollectorTest {

    private static String scrape(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of the series {@code series} (name and labels exactly as rendered), or fails. */
    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        throw new AssertionError("no series " + series + " in:\n" + text);
    }

    private static LeakDetector detector() {
        return LeakDetector.builder().minTasks(5).minAge(Duration.ofMillis(50)).period(Duration.ofHours(1)).start();
    }

    /** Samples until one has a suspect (the senders must have waited the minimum age first). */
    static Sample sampleWithSuspect(LeakDetector d) throws Exception {
        AtomicReference<Sample> s = new AtomicReference<>();
        BlockedSenders.await(() -> {
            s.set(d.sampleNow());
            return !s.get().suspects().isEmpty();
        }, "a sample with a suspect");
        return s.get();
    }

    @Test
    void withoutDetectorCountsBlockedTasksAtEachScrape() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new TetherCollector());
        String text;
        try (BlockedSenders senders = BlockedSenders.start(5)) {
            text = scrape(registry);
        }
        assertTrue(text.contains("# TYPE tether_tasks gauge\n"), text);
        assertTrue(value(text, "tether_tasks") >= 5, text);
        assertEquals(5, value(text, "tether_tasks_blocked{reason=\"chan send\"}"), text);
        assertTrue(text.contains("# TYPE tether_tasks_proven_leaked_total counter\n"), text);
        assertEquals(TaskRegistry.reclaimedCount(), value(text, "tether_tasks_proven_leaked_total"), text);
        assertFalse(text.contains("tether_leak"), "no detector, no detector metrics:\n" + text);

        // The senders have ended: the reason stays, at 0.
        String after = scrape(registry);
        assertEquals(0, value(after, "tether_tasks_blocked{reason=\"chan send\"}"), after);
    }

    @Test
    void withDetectorReportsItsLatestSample() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (LeakDetector detector = detector()) {
            registry.register(new TetherCollector(detector));
            String before = scrape(registry);
            assertEquals(0, value(before, "tether_leakprof_sample_errors_total"), before);
            assertFalse(before.contains("tether_leak_suspects"), "no sample yet:\n" + before);

            Sample sample;
            String text;
            try (BlockedSenders senders = BlockedSenders.start(5)) {
                sample = sampleWithSuspect(detector);
                text = scrape(registry);
            }
            assertEquals(1, value(text, "tether_leak_suspects"), text);
            assertEquals(5, value(text, "tether_leak_suspect_tasks{function=\""
                    + BlockedSenders.class.getName() + ".send\",kind=\"tasks\",reason=\"chan send\",site=\""
                    + BlockedSenders.site() + "\"}"), text);
            // From the sample, not recounted: the senders have ended by now.
            assertEquals(5, value(text, "tether_tasks_blocked{reason=\"chan send\"}"), text);
            assertEquals(sample.took().toNanos() / 1e9, value(text, "tether_leakprof_sample_seconds"), 1e-9, text);
            assertTrue(text.contains("# TYPE tether_leakprof_sample_errors_total counter\n"), text);

            detector.sampleNow();
            String after = scrape(registry);
            assertEquals(0, value(after, "tether_leak_suspects"), after);
            assertFalse(after.contains("tether_leak_suspect_tasks{"), "no suspect, no series:\n" + after);
            assertEquals(0, value(after, "tether_tasks_blocked{reason=\"chan send\"}"), after);
        }
    }

    @Test
    void suspectSeriesAreBounded() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (LeakDetector detector = detector()) {
            registry.register(new TetherCollector(detector, 0));
            try (BlockedSenders senders = BlockedSenders.start(5)) {
                sampleWithSuspect(detector);
            }
            String text = scrape(registry);
            assertEquals(1, value(text, "tether_leak_suspects"), text);
            assertFalse(text.contains("tether_leak_suspect_tasks{"), text);
        }
        assertThrows(IllegalArgumentException.class, () -> new TetherCollector(null, -1));
    }

    @Test
    void aRegistryRefusesASecondCollector() {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new TetherCollector());
        assertThrows(IllegalStateException.class, () -> registry.register(new TetherCollector()));
    }
}
