package dev.tether.leakprof.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TetherMeterBinderTest {

    private static double blocked(MeterRegistry registry, String reason) {
        return registry.get("tether.tasks.blocked").tag("reason", reason).gauge().value();
    }

    @Test
    void withoutDetectorCountsBlockedTasks() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (BlockedSenders senders = BlockedSenders.start(5)) {
            new TetherMeterBinder().bindTo(registry);
            assertEquals(5, blocked(registry, "chan send"));
            assertTrue(registry.get("tether.tasks").gauge().value() >= 5);
        }
        assertEquals(TaskRegistry.reclaimedCount(),
                registry.get("tether.tasks.proven.leaked").functionCounter().count());
        assertNull(registry.find("tether.leak.suspects").gauge(), "no detector, no detector meters");
        // Counts are reused for up to a second, then the ended senders' reason reads 0 (and keeps its gauge).
        BlockedSenders.await(() -> blocked(registry, "chan send") == 0, "the recount");
    }

    @Test
    void withDetectorRegistersReasonsAndSuspectsAsSamplesFindThem() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (LeakDetector detector = LeakDetector.builder().minTasks(5).minAge(Duration.ofMillis(50))
                .period(Duration.ofHours(1)).start()) {
            new TetherMeterBinder(detector).bindTo(registry); // before anything blocks
            assertTrue(Double.isNaN(registry.get("tether.leak.suspects").gauge().value()), "no sample yet");

            Sample sample;
            try (BlockedSenders senders = BlockedSenders.start(5)) {
                sample = TetherCollectorTest.sampleWithSuspect(detector);
            }
            // Reading a gauge after the sample registers what it found.
            assertEquals(1, registry.get("tether.leak.suspects").gauge().value());
            assertEquals(5, blocked(registry, "chan send"));
            Gauge suspect = registry.get("tether.leak.suspect.tasks").tags("kind", "tasks", "reason", "chan send",
                    "site", BlockedSenders.site(), "function", BlockedSenders.class.getName() + ".send").gauge();
            assertEquals(5, suspect.value());
            assertEquals(0, registry.get("tether.leakprof.sample.errors").functionCounter().count());
            assertEquals(sample.took().toNanos(),
                    registry.get("tether.leakprof.sample.duration").timeGauge().value(TimeUnit.NANOSECONDS), 1);

            detector.sampleNow(); // the senders have ended
            assertEquals(0, registry.get("tether.leak.suspects").gauge().value());
            assertEquals(0, blocked(registry, "chan send"));
            assertTrue(registry.find("tether.leak.suspect.tasks").gauges().isEmpty(),
                    "a site no longer suspect loses its row");
        }
    }

    @Test
    void oneBinderServesTwoRegistries() throws Exception {
        MeterRegistry a = new SimpleMeterRegistry(), b = new SimpleMeterRegistry();
        TetherMeterBinder binder = new TetherMeterBinder();
        binder.bindTo(a);
        try (BlockedSenders senders = BlockedSenders.start(5)) {
            binder.bindTo(b); // recounts at most once a second: bound to b, it may still hold a's count
            // As a publication would: reading tether.tasks recounts (once the count is a second old) and registers.
            BlockedSenders.await(() -> a.get("tether.tasks").gauge().value() >= 5
                    && a.find("tether.tasks.blocked").tag("reason", "chan send").gauge() != null
                    && blocked(a, "chan send") == 5, "the new reason in the first registry");
            assertEquals(5, blocked(b, "chan send"));
        }
        assertThrows(IllegalArgumentException.class, () -> new TetherMeterBinder(null, -1));
    }
}
