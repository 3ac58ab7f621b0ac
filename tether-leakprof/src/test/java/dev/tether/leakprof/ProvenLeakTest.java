package dev.tether.leakprof;

import static dev.tether.leakprof.Waits.awaitBlocked;
import static dev.tether.leakprof.Waits.eventuallyGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The detector's proven leaks: runs in the {@code collectable-threads} execution, whose JVM has
 * {@code -Djdk.trackAllThreads=false} (see docs/leakprof.md).
 */
@Tag("collectable-threads")
class ProvenLeakTest {

    @BeforeAll
    static void leaksCanBeProven() {
        assertTrue(TaskRegistry.provesLeaks(), "needs -Djdk.trackAllThreads=false");
    }

    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    /** Collects garbage until a sample reports a proven leak matching nothing but the forgotten senders. */
    private static ProvenLeak awaitProof(LeakDetector detector, int expected) {
        return eventuallyGet(() -> {
            System.gc();
            for (ProvenLeak p : detector.sampleNow().provenLeaks()) {
                if (p.blockingSite() != null && p.count() >= expected) return p;
            }
            return null;
        }, () -> expected + " tasks proven leaked; last sample: " + detector.latest().orElseThrow());
    }

    @Test
    void aForgottenSenderIsProvenLeaked_aSlowLiveTaskIsNot() throws Exception {
        Channel<Integer> stillReachable = Channel.unbuffered();
        try (LeakDetector detector = LeakDetector.builder().period(Duration.ofHours(1)).minTasks(5)
                .minAge(Duration.ofMillis(20)).start();
             TaskScope scope = TaskScope.open()) {
            Task<Integer> slow = scope.go(stillReachable::receive);
            List<Task<Void>> forgotten = new ArrayList<>();
            int goLine = line() + 1;
            for (int i = 0; i < 10; i++) forgotten.add(scope.go(() -> Channel.<Integer>unbuffered().send(1)));
            awaitBlocked(forgotten, "chan send", Duration.ofMillis(20));

            // Before the collector runs they are suspects, with exact counts: blocking sites are on in this mode.
            Suspect suspect = detector.sampleNow().suspects().stream()
                    .filter(s -> s.blockingSite().getLineNumber() == goLine).findFirst().orElseThrow();
            assertEquals(10, suspect.count());
            assertFalse(suspect.estimated(), "every task recorded where it blocks");

            ProvenLeak proof = awaitProof(detector, 10);
            assertEquals("chan send", proof.waitReason());
            assertEquals("ProvenLeakTest.java", proof.blockingSite().getFileName());
            assertEquals(goLine, proof.blockingSite().getLineNumber());
            assertEquals(goLine, proof.creationSite().getLineNumber());
            assertEquals(10, proof.count());
            assertTrue(proof.longestWait().compareTo(Duration.ofMillis(20)) >= 0);
            for (Task<Void> t : forgotten) Waits.eventually(t::isDone, "the reaper finishes leaked task " + t.id());

            // The slow task, blocked on a channel this test still holds, is live: never proven leaked.
            Sample last = detector.sampleNow();
            for (TaskInfo t : last.newlyReclaimed()) assertTrue(t.id() != slow.id());
            assertTrue(TaskRegistry.reclaimed().stream().noneMatch(t -> t.id() == slow.id()));
            assertTrue(last.provenLeakTotal() >= 10);
            stillReachable.send(3);
            assertEquals(3, slow.join());
        }
    }

    @Test
    void aProvenLeakIsAJfrEventWithItsSites() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("proven-leak", ".jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording();
             LeakDetector detector = LeakDetector.builder().period(Duration.ofHours(1))
                     .onSample(dev.tether.leakprof.jfr.JfrEvents.listener()).start();
             TaskScope scope = TaskScope.open()) {
            recording.enable(dev.tether.leakprof.jfr.JfrEvents.PROVEN_LEAK);
            recording.start();
            int goLine = line() + 1;
            Task<Void> leaked = scope.go(() -> Channel.<String>unbuffered().send("lost"));
            awaitBlocked(List.of(leaked), "chan send", Duration.ofMillis(1));
            awaitProof(detector, 1);
            recording.stop();
            recording.dump(file);
            List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(dev.tether.leakprof.jfr.JfrEvents.PROVEN_LEAK))
                    .filter(e -> e.getLong("taskId") == leaked.id()).toList();
            assertEquals(1, events.size(), "one event for the reclaimed task");
            jdk.jfr.consumer.RecordedEvent e = events.get(0);
            assertEquals("chan send", e.getString("waitReason"));
            assertTrue(e.getString("blockingSite").contains("ProvenLeakTest.java:" + goLine), e.getString("blockingSite"));
            assertTrue(e.getString("creationSite").contains("ProvenLeakTest.java:" + goLine));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
