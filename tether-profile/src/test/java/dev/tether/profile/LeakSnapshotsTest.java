package dev.tether.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.test.LeakOption;
import dev.tether.test.LeakReport;
import dev.tether.test.Leaks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A leak check's report, as a snapshot, survives a pprof round trip: what a test left behind, openable by pprof. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LeakSnapshotsTest {

    @Test
    void aLeakReportWrittenAsPprofReadsBackWithItsGroupsAndWaits() throws Exception {
        LeakOption before = LeakOption.ignoreCurrent();
        SynchronousQueue<String> nobodyTakes = new SynchronousQueue<>();
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            senders.add(Thread.ofVirtual().name("sender-" + i).start(() -> {
                try {
                    nobodyTakes.put("lost"); // blocks: the leak
                } catch (InterruptedException e) {
                    // released by the test's cleanup
                }
            }));
        }
        try {
            LeakReport report = Leaks.find(before);
            assertEquals(5, report.leaks().size(), report::toString);

            Snapshot snapshot = LeakSnapshots.of(report);
            assertEquals(Format.TETHER_LEAK_CHECK, snapshot.metadata().format());
            assertEquals(5, snapshot.total());
            for (Entry e : snapshot.entries()) {
                assertEquals(Entry.Kind.VIRTUAL_THREAD, e.kind());
                assertEquals("queue put", e.waitReason().orElseThrow());
                assertEquals("java.util.concurrent.SynchronousQueue.put", e.stack().getFirst().function());
            }

            ByteArrayOutputStream pprof = new ByteArrayOutputStream();
            Snapshots.write(snapshot, Format.GO_PPROF, pprof);
            Snapshot back = Snapshots.read(new ByteArrayInputStream(pprof.toByteArray()), "leaks.pb.gz");
            assertEquals(Format.GO_PPROF, back.metadata().format());
            assertEquals(5, back.total(), "the five senders, as samples with counts");
            assertTrue(back.entries().stream().allMatch(e -> "queue put".equals(e.waitReason().orElse(null))
                    || "queue put".equals(e.labels().get("wait_reason"))), back.entries()::toString);
            assertTrue(back.entries().stream().allMatch(e -> e.stack().stream()
                    .anyMatch(f -> f.function().equals("java.util.concurrent.SynchronousQueue.put"))));
        } finally {
            senders.forEach(Thread::interrupt);
            for (Thread t : senders) t.join();
        }
    }
}
